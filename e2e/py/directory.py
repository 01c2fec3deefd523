"""Drives Ninshou with boto3 as a Python back end would: a pool and a client,
sign-up, confirmation, sign-in, groups, and ListUsers with a filter and its
paginator.

The first line of stdin is JSON {"endpoint": ...}. When a code is needed the
script prints {"need": "<purpose>", "to": "<address>"} and reads the code as
the next line of stdin. Each finished step prints {"step": "<name>", ...}; a
failure prints {"error": "<code>: <message>"} and exits 1.
"""
import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def say(obj):
    print(json.dumps(obj), flush=True)


def ask_code(purpose, to):
    say({"need": purpose, "to": to})
    return sys.stdin.readline().strip()


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def error_of(call):
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"] + ": " + err.response["Error"]["Message"]
    return ""


def main():
    cfg = json.loads(sys.stdin.readline())
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=cfg["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}),
    )
    pool = idp.create_user_pool(PoolName="py", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool,
        ClientName="py",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    say({"step": "setup"})

    signed = idp.sign_up(
        ClientId=client,
        Username="pat",
        Password="Perm#Pass1",
        UserAttributes=[{"Name": "email", "Value": "pat@example.com"}, {"Name": "given_name", "Value": "Pat"}],
    )
    say({"step": "sign_up", "confirmed": signed["UserConfirmed"],
         "medium": signed["CodeDeliveryDetails"]["DeliveryMedium"]})
    taken = error_of(lambda: idp.sign_up(ClientId=client, Username="pat", Password="Perm#Pass1",
                                         UserAttributes=[{"Name": "email", "Value": "x@example.com"}]))
    say({"step": "sign_up_again", "error": taken})
    idp.confirm_sign_up(ClientId=client, Username="pat", ConfirmationCode=ask_code("signup", "pat@example.com"))
    status = idp.admin_get_user(UserPoolId=pool, Username="pat")["UserStatus"]
    say({"step": "confirm_sign_up", "status": status})

    auth = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                             AuthParameters={"USERNAME": "pat", "PASSWORD": "Perm#Pass1"})["AuthenticationResult"]
    say({"step": "initiate_auth", "groups": claims(auth["IdToken"]).get("cognito:groups", []),
         "token_type": auth["TokenType"], "expires_in": auth["ExpiresIn"]})

    idp.create_group(UserPoolId=pool, GroupName="staff", Precedence=2, RoleArn="arn:aws:iam::123456789012:role/Staff")
    idp.create_group(UserPoolId=pool, GroupName="admins", Precedence=1)
    dup = error_of(lambda: idp.create_group(UserPoolId=pool, GroupName="staff"))
    for group in ("staff", "admins"):
        idp.admin_add_user_to_group(UserPoolId=pool, Username="pat", GroupName=group)
    missing = error_of(lambda: idp.admin_add_user_to_group(UserPoolId=pool, Username="pat", GroupName="nobody"))
    listed = idp.admin_list_groups_for_user(UserPoolId=pool, Username="pat")["Groups"]
    members = idp.list_users_in_group(UserPoolId=pool, GroupName="staff")["Users"]
    refreshed = idp.initiate_auth(ClientId=client, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": auth["RefreshToken"]})["AuthenticationResult"]
    id_claims = claims(refreshed["IdToken"])
    say({"step": "groups", "duplicate": dup, "missing": missing,
         "for_user": [g["GroupName"] for g in listed], "members": [u["Username"] for u in members],
         "id_groups": id_claims.get("cognito:groups"), "roles": id_claims.get("cognito:roles"),
         "preferred_role": id_claims.get("cognito:preferred_role"),
         "access_groups": claims(refreshed["AccessToken"]).get("cognito:groups")})

    for name in ("quinn", "pam", "zoe"):
        idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "email", "Value": name + "@example.net"}])
    found = idp.list_users(UserPoolId=pool, Filter='email ^= "pa"', AttributesToGet=["email"])["Users"]
    exact = idp.list_users(UserPoolId=pool, Filter='cognito:user_status = "confirmed"')["Users"]
    pages = idp.get_paginator("list_users").paginate(UserPoolId=pool, PaginationConfig={"PageSize": 1})
    paged = [[u["Username"] for u in page["Users"]] for page in pages]
    bad = error_of(lambda: idp.list_users(UserPoolId=pool, Filter="email = pat"))
    say({"step": "list_users",
         "found": [[u["Username"], u["Attributes"]] for u in found],
         "confirmed": [u["Username"] for u in exact],
         "pages": paged, "bad_filter": bad})


try:
    main()
except ClientError as err:
    say({"error": err.response["Error"]["Code"] + ": " + err.response["Error"]["Message"]})
    sys.exit(1)
