package idp

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/ninshou/ninshou/internal/store"
)

// Client secret rotation: a confidential client has one secret, or two
// while a new one is rolled out; SECRET_HASH and ClientSecret may be made
// with either, until the old one is deleted.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddUserPoolClientSecret.html

// ClientSecret is one secret of a client.
type ClientSecret struct {
	// ID is "<client-id>--<epoch-create-time>", the creation time in
	// milliseconds (ClientSecretDescriptorType).
	ID    string `json:"id"`
	Value string `json:"value"`
	// CreatedMillis is the creation time in Unix milliseconds (plain data,
	// as the settings cache copies settings field by field).
	CreatedMillis int64 `json:"created_ms"`
}

// CreatedAt is when the secret was created.
func (x ClientSecret) CreatedAt() time.Time { return time.UnixMilli(x.CreatedMillis).UTC() }

// maxClientSecrets is how many secrets a client holds at once.
const maxClientSecrets = 2

// newClientSecret names a secret created at t, a millisecond later than
// any of taken that has the same name.
func newClientSecret(clientID, value string, t time.Time, taken []ClientSecret) ClientSecret {
	ms := t.UnixMilli()
	for slices.ContainsFunc(taken, func(x ClientSecret) bool { return x.ID == clientID+"--"+strconv.FormatInt(ms, 10) }) {
		ms++
	}
	return ClientSecret{ID: clientID + "--" + strconv.FormatInt(ms, 10), Value: value, CreatedMillis: t.UnixMilli()}
}

// changeSecrets runs change on a confidential client of the pool and saves
// it; Secret follows the first of its secrets.
func (s *Service) changeSecrets(ctx context.Context, poolID, clientID string, change func(c *Client) error) (*Client, error) {
	var c *Client
	err := s.update(ctx, func(tx store.Tx) error {
		// The pool's lock queues the client's writers (lockedPool).
		if err := lockPool(tx, poolID); err != nil {
			return err
		}
		var err error
		if c, err = poolClient(tx, poolID, clientID); err != nil {
			return err
		}
		if c.Secret == "" {
			return Errorf(InvalidParameterException, "Client %s has no secret: secrets rotate only on a confidential client.", clientID)
		}
		if err := change(c); err != nil {
			return err
		}
		c.Secret = c.Secrets[0].Value
		c.UpdatedAt = s.now()
		rec, err := c.record()
		if err != nil {
			return err
		}
		return tx.Clients().Update(rec)
	})
	return c, err
}

// AddClientSecret gives a confidential client a second secret: value, or
// one generated when value is "" (generated tells which).
func (s *Service) AddClientSecret(ctx context.Context, poolID, clientID, value string) (secret ClientSecret, generated bool, err error) {
	if generated = value == ""; generated {
		value = s.randomString(lowerDigits, 51)
	}
	_, err = s.changeSecrets(ctx, poolID, clientID, func(c *Client) error {
		if len(c.Secrets) >= maxClientSecrets {
			return Errorf(LimitExceededException, "Client %s already has %d secrets; delete one before adding another.", clientID, maxClientSecrets)
		}
		secret = newClientSecret(c.ID, value, s.now(), c.Secrets)
		c.Secrets = append(c.Secrets, secret)
		return nil
	})
	return secret, generated, err
}

// DeleteClientSecret deletes one of a client's secrets, never its last.
func (s *Service) DeleteClientSecret(ctx context.Context, poolID, clientID, secretID string) error {
	_, err := s.changeSecrets(ctx, poolID, clientID, func(c *Client) error {
		i := slices.IndexFunc(c.Secrets, func(x ClientSecret) bool { return x.ID == secretID })
		switch {
		case i < 0:
			return Errorf(ResourceNotFoundException, "Client secret %s does not exist.", secretID)
		case len(c.Secrets) == 1:
			return Errorf(InvalidParameterException, "Client secret %s is the client's last; a confidential client keeps one.", secretID)
		}
		c.Secrets = slices.Delete(c.Secrets, i, i+1)
		return nil
	})
	return err
}

// ListClientSecrets returns a client's secrets, oldest first, without their
// values. A public client has none.
func (s *Service) ListClientSecrets(ctx context.Context, poolID, clientID string) ([]ClientSecret, error) {
	c, err := s.GetClient(ctx, poolID, clientID)
	if err != nil {
		return nil, err
	}
	out := make([]ClientSecret, len(c.Secrets))
	for i, x := range c.Secrets {
		out[i] = ClientSecret{ID: x.ID, CreatedMillis: x.CreatedMillis}
	}
	return out, nil
}
