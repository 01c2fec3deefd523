package app

import (
	"context"
	"fmt"
	"path/filepath"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/ninshou/ninshou/internal/config"
	"github.com/ninshou/ninshou/internal/idp/srp"
	"github.com/ninshou/ninshou/internal/notify"
)

// serverKeyFile is where the server key lives when --server-key is not given.
const serverKeyFile = "server.key"

// serverSecrets derives what the domain seals and fakes with from the server
// key: --server-key, else <data>/server.key (created at first start). Nodes
// that share a database must share the key (give --server-key to each).
func serverSecrets(cfg config.Config) (*srp.Sealer, []byte, error) {
	key := cfg.ServerKey
	if key == nil {
		var err error
		if key, err = srp.LoadOrCreateKey(filepath.Join(cfg.DataDir, serverKeyFile)); err != nil {
			return nil, nil, fmt.Errorf("server key: %w", err)
		}
	}
	sealer, err := srp.NewSealer(key)
	if err != nil {
		return nil, nil, fmt.Errorf("server key: %w", err)
	}
	return sealer, srp.DeriveKey(key, "ninshou/srp/fake/v1"), nil
}

// smsSender is the Sender of the "sms" channel, or nil for log-only.
func smsSender(ctx context.Context, cfg config.Config) (notify.Sender, error) {
	switch cfg.SMSSender {
	case "webhook":
		return &notify.WebhookSender{URL: cfg.SMSWebhookURL}, nil
	case "sns":
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("sns: %w", err)
		}
		if awsCfg.Region == "" {
			awsCfg.Region = cfg.Region
		}
		return notify.NewSNSSender(awsCfg, cfg.SNSEndpoint), nil
	}
	return nil, nil
}
