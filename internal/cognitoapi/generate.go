package cognitoapi

//go:generate go run ./gen -model ../../api/cognito-idp/service-2.json -out . -idp-out ../idp
