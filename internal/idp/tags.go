package idp

import (
	"context"
	"maps"

	"github.com/ninshou/ninshou/internal/store"
)

// Tags of user pools (TagResource, UntagResource, ListTagsForResource).
// They live in the pool's settings, beside UserPoolTags, which is the same
// set; changing them is not a change of the pool's configuration, so
// LastModifiedDate stays.

const maxPoolTags = 50

// changeTags applies fn to a pool's tags and saves them.
func (s *Service) changeTags(ctx context.Context, poolID string, fn func(tags map[string]string)) error {
	return s.update(ctx, func(tx store.Tx) error {
		p, err := lockedPool(tx, poolID)
		if err != nil {
			return err
		}
		tags := maps.Clone(p.Tags)
		if tags == nil {
			tags = map[string]string{}
		}
		fn(tags)
		if len(tags) > maxPoolTags {
			return Errorf(InvalidParameterException, "A user pool can have at most %d tags.", maxPoolTags)
		}
		if len(tags) == 0 {
			tags = nil
		}
		p.Tags = tags
		return savePool(tx, p)
	})
}

// TagPool adds tags to a pool, replacing the values of keys it has.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TagResource.html
func (s *Service) TagPool(ctx context.Context, poolID string, tags map[string]string) error {
	return s.changeTags(ctx, poolID, func(cur map[string]string) { maps.Copy(cur, tags) })
}

// UntagPool removes tags by key; absent keys are ignored.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UntagResource.html
func (s *Service) UntagPool(ctx context.Context, poolID string, keys []string) error {
	return s.changeTags(ctx, poolID, func(cur map[string]string) {
		for _, k := range keys {
			delete(cur, k)
		}
	})
}

// PoolTags returns a pool's tags.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListTagsForResource.html
func (s *Service) PoolTags(ctx context.Context, poolID string) (map[string]string, error) {
	p, err := s.GetPool(ctx, poolID)
	if err != nil {
		return nil, err
	}
	return maps.Clone(p.Tags), nil
}
