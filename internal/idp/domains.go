package idp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/ninshou/ninshou/internal/store"
)

// User pool domains: the host of a pool's managed login pages and OAuth 2.0
// endpoints, a prefix ("my-app", Cognito's <prefix>.auth.<region>.amazoncognito.com)
// or a custom domain of one's own with an ACM certificate. A pool has at
// most one of each; a name belongs to one pool of the whole store; a pool
// with a domain cannot be deleted until the domain is.
// https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-assign-domain.html
//
// Ninshou keeps the configuration, so that infrastructure code that
// declares a domain runs unchanged; it serves no pages there yet.

// Domain is a user pool domain.
type Domain struct {
	PoolID string
	Name   string
	// CertificateArn is set for a custom domain, "" for a prefix domain.
	CertificateArn string
	// ManagedLoginVersion is 1 (the classic hosted UI) or 2 (managed
	// login).
	ManagedLoginVersion int
	CreatedAt           time.Time
}

// Custom reports whether d is a custom domain.
func (d *Domain) Custom() bool { return d.CertificateArn != "" }

// CloudFrontDomain is the distribution a custom domain's DNS record points
// at ("<id>.cloudfront.net"), stable for the domain; "" for a prefix, as
// CreateUserPoolDomain answers one.
func (d *Domain) CloudFrontDomain() string {
	if !d.Custom() {
		return ""
	}
	return d.Distribution()
}

// Distribution is the CloudFront distribution that serves the domain,
// which DescribeUserPoolDomain names for prefix domains too (real
// responses quoted in localstack/localstack#9242 and aws/aws-cdk#6787).
func (d *Domain) Distribution() string {
	h := sha256.Sum256([]byte(d.PoolID + "/" + d.Name))
	return "d" + hex.EncodeToString(h[:])[:13] + ".cloudfront.net"
}

// Host is the domain's host name: a custom domain's own, a prefix's under
// Cognito's "<prefix>.auth.<region>.amazoncognito.com".
func (d *Domain) Host() string {
	if d.Custom() {
		return d.Name
	}
	return d.Name + ".auth." + PoolRegion(d.PoolID) + ".amazoncognito.com"
}

// AssetsBucket is DescribeUserPoolDomain's S3Bucket, Cognito's bucket of
// page assets: "aws-cognito-prod-iad-assets" in us-east-1, as the same
// responses show, "aws-cognito-prod-pdx-assets" in us-west-2 (the CLI's
// describe-user-pool-domain example); "" in regions whose bucket name is
// not published.
func (d *Domain) AssetsBucket() string {
	switch PoolRegion(d.PoolID) {
	case "us-east-1":
		return "aws-cognito-prod-iad-assets"
	case "us-west-2":
		return "aws-cognito-prod-pdx-assets"
	}
	return ""
}

// domainBody is what the store keeps of a domain.
type domainBody struct {
	CertificateArn      string `json:"certificate_arn,omitempty"`
	ManagedLoginVersion int    `json:"managed_login_version"`
}

func domainFrom(o *store.PoolObject) (*Domain, error) {
	var b domainBody
	if err := json.Unmarshal(o.Body, &b); err != nil {
		return nil, fmt.Errorf("idp: domain %s of %s: %w", o.Key, o.PoolID, err)
	}
	return &Domain{PoolID: o.PoolID, Name: o.Key, CertificateArn: b.CertificateArn,
		ManagedLoginVersion: b.ManagedLoginVersion, CreatedAt: o.CreatedAt}, nil
}

// prefixPattern is the model's DomainType pattern, which the service holds
// a prefix domain to with its own message.
var prefixPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)

// customPattern is a host name of two or more DNS labels.
var customPattern = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)

// reservedInPrefix are words a prefix may not hold ("You can't use the text
// aws, amazon, or cognito in the domain prefix").
var reservedInPrefix = []string{"aws", "amazon", "cognito"}

func checkDomainName(name string, custom bool) error {
	if custom {
		if !customPattern.MatchString(name) {
			return Errorf(InvalidParameterException, "The custom domain %s is not a valid host name.", name)
		}
		return nil
	}
	if !prefixPattern.MatchString(name) {
		return Errorf(InvalidParameterException, `The domain name contains an invalid character. Domain names can only contain lower-case letters, numbers, and hyphens. Please enter a different name that follows this format: ^[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?$`)
	}
	for _, w := range reservedInPrefix {
		if strings.Contains(name, w) {
			// Cognito's words, as CloudTrail records them
			// (aws-solutions/content-analysis-on-aws#8).
			return Errorf(InvalidParameterException, "Domain cannot contain reserved word: %s", w)
		}
	}
	return nil
}

func managedLoginVersion(v int) (int, error) {
	switch v {
	case 0:
		return 1, nil
	case 1, 2:
		return v, nil
	}
	return 0, Errorf(InvalidParameterException, "ManagedLoginVersion must be 1 or 2.")
}

// checkCertificateArn refuses a custom domain's certificate that is not an
// ACM certificate of US East (N. Virginia), where CloudFront, which serves
// custom domains, takes its certificates: "you must provide an SSL
// certificate in the US East (N. Virginia) Amazon Web Services Region"
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html;
// API_UpdateUserPoolDomain.html likewise). The wire layer has checked the
// ARN's general shape. Cognito passes on CloudFront's refusal, as a
// CloudFormation deployment of AWS::Cognito::UserPoolDomain logged it
// (aws-amplify/amplify-hosting#2278): InvalidParameterException "The
// specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't
// valid, or doesn't include a valid certificate chain. (Service:
// AmazonCloudFront; Status Code: 400; Error Code: InvalidViewerCertificate;
// Request ID: ...; Proxy: null)". That record does not say whether Cognito
// refuses a region before asking CloudFront; the answer is the same.
func checkCertificateArn(arn string) error {
	f := strings.SplitN(arn, ":", 6)
	if len(f) == 6 && f[0] == "arn" && f[1] == "aws" && f[2] == "acm" && f[3] == "us-east-1" && strings.HasPrefix(f[5], "certificate/") {
		return nil
	}
	return Errorf(InvalidParameterException, "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, "+
		"or doesn't include a valid certificate chain. (Service: AmazonCloudFront; Status Code: 400; "+
		"Error Code: InvalidViewerCertificate; Request ID: %s; Proxy: null)", uuid.New())
}

// checkManagedLoginTier refuses managed login (ManagedLoginVersion 2) on a
// Lite pool: "Managed login requires that your user pool be configured for
// any feature plan other than Lite"
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolDomain.html);
// both domain operations list FeatureUnavailableInTierException.
func checkManagedLoginTier(tx store.Tx, poolID string, version int) error {
	if version != 2 {
		return nil
	}
	p, err := getPool(tx, poolID)
	if err != nil {
		return err
	}
	if p.Tier == TierLite {
		return errManagedLoginInLite
	}
	return nil
}

var errManagedLoginInLite = notInLite("Managed login")

// poolDomains returns the pool's domains, at most a prefix and a custom one.
func poolDomains(tx store.Tx, poolID string) ([]*Domain, error) {
	objs, _, err := tx.PoolObjects().List(poolID, store.GlobalKind, store.Page{Limit: 10})
	if err != nil {
		return nil, err
	}
	out := make([]*Domain, 0, len(objs))
	for _, o := range objs {
		d, err := domainFrom(o)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// PoolDomains returns the pool's prefix domain and custom domain ("" for
// none), as DescribeUserPool shows them.
func (s *Service) PoolDomains(ctx context.Context, poolID string) (prefix, custom string, err error) {
	err = s.view(ctx, func(tx store.Tx) error {
		ds, err := poolDomains(tx, poolID)
		for _, d := range ds {
			if d.Custom() {
				custom = d.Name
			} else {
				prefix = d.Name
			}
		}
		return err
	})
	return prefix, custom, err
}

// CreateDomain gives a pool a domain: a custom one when d has a
// certificate, else a prefix.
func (s *Service) CreateDomain(ctx context.Context, d Domain) (*Domain, error) {
	if err := checkDomainName(d.Name, d.Custom()); err != nil {
		return nil, err
	}
	if d.Custom() {
		if err := checkCertificateArn(d.CertificateArn); err != nil {
			return nil, err
		}
	}
	v, err := managedLoginVersion(d.ManagedLoginVersion)
	if err != nil {
		return nil, err
	}
	d.ManagedLoginVersion, d.CreatedAt = v, s.now()
	body, err := json.Marshal(domainBody{CertificateArn: d.CertificateArn, ManagedLoginVersion: v})
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx store.Tx) error {
		if err := lockPool(tx, d.PoolID); err != nil {
			return err
		}
		if err := checkManagedLoginTier(tx, d.PoolID, v); err != nil {
			return err
		}
		ds, err := poolDomains(tx, d.PoolID)
		if err != nil {
			return err
		}
		for _, have := range ds {
			if have.Custom() == d.Custom() {
				return Errorf(InvalidParameterException, "User pool already has a domain configured.")
			}
		}
		err = tx.PoolObjects().Create(&store.PoolObject{PoolID: d.PoolID, Kind: store.GlobalKind, Key: d.Name,
			Body: body, CreatedAt: d.CreatedAt, UpdatedAt: d.CreatedAt})
		if errors.Is(err, store.ErrExists) {
			return Errorf(InvalidParameterException, "Domain already associated with another user pool.")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// DescribeDomain returns the domain of that name, or nil when no pool has
// it (DescribeUserPoolDomain answers an empty description, not an error).
func (s *Service) DescribeDomain(ctx context.Context, name string) (*Domain, error) {
	var d *Domain
	err := s.view(ctx, func(tx store.Tx) error {
		o, err := tx.PoolObjects().Find(name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		d, err = domainFrom(o)
		return err
	})
	return d, err
}

// ownDomain reads a domain of poolID for a change.
func ownDomain(tx store.Tx, poolID, name string) (*store.PoolObject, error) {
	if err := requirePool(tx, poolID); err != nil {
		return nil, err
	}
	o, err := tx.PoolObjects().Get(poolID, store.GlobalKind, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, Errorf(ResourceNotFoundException, "The domain %s is not a domain of user pool %s.", name, poolID)
	}
	return o, err
}

// UpdateDomain changes a domain's managed login version and, for a custom
// domain, its certificate. A prefix stays a prefix.
func (s *Service) UpdateDomain(ctx context.Context, in Domain) (*Domain, error) {
	var out *Domain
	err := s.update(ctx, func(tx store.Tx) error {
		o, err := ownDomain(tx, in.PoolID, in.Name)
		if err != nil {
			return err
		}
		d, err := domainFrom(o)
		if err != nil {
			return err
		}
		if in.CertificateArn == "" && d.Custom() {
			// An update without CustomDomainConfig would make it a prefix
			// domain; Cognito's refusal, quoted in
			// hashicorp/terraform-provider-aws#43248.
			return Errorf(InvalidParameterException, "Cannot convert custom domain to prefix domain.")
		}
		if in.CertificateArn != "" {
			if !d.Custom() {
				return Errorf(InvalidParameterException, "The domain %s is a prefix domain: it takes no certificate.", in.Name)
			}
			if err := checkCertificateArn(in.CertificateArn); err != nil {
				return err
			}
			d.CertificateArn = in.CertificateArn
		}
		if in.ManagedLoginVersion != 0 {
			if d.ManagedLoginVersion, err = managedLoginVersion(in.ManagedLoginVersion); err != nil {
				return err
			}
			if err := checkManagedLoginTier(tx, in.PoolID, d.ManagedLoginVersion); err != nil {
				return err
			}
		}
		if o.Body, err = json.Marshal(domainBody{CertificateArn: d.CertificateArn, ManagedLoginVersion: d.ManagedLoginVersion}); err != nil {
			return err
		}
		o.UpdatedAt = s.now()
		out = d
		return tx.PoolObjects().Update(o)
	})
	return out, err
}

// DeleteDomain deletes a pool's domain. A domain the pool does not have,
// or a pool that does not exist, is Cognito's "No such domain or user pool
// exists." (aws-amplify/amplify-cli's hosted UI end-to-end test meets it
// deleting a domain already gone; deployment tools match on the text).
func (s *Service) DeleteDomain(ctx context.Context, poolID, name string) error {
	return s.update(ctx, func(tx store.Tx) error {
		if _, err := ownDomain(tx, poolID, name); IsCode(err, ResourceNotFoundException) {
			return Errorf(InvalidParameterException, "No such domain or user pool exists.")
		} else if err != nil {
			return err
		}
		return tx.PoolObjects().Delete(poolID, store.GlobalKind, name)
	})
}

// requireNoDomain refuses to delete a pool that still has a domain.
func requireNoDomain(tx store.Tx, poolID string) error {
	n, err := tx.PoolObjects().Count(poolID, store.GlobalKind)
	if err != nil {
		return err
	}
	if n > 0 {
		return Errorf(InvalidParameterException, "User pool cannot be deleted. It has a domain configured that should be deleted first.")
	}
	return nil
}
