package app

import (
	"strings"
	"testing"

	"github.com/ninshou/ninshou/internal/config"
)

// TestBannerTryIt: the banner's example works as printed: with the local
// keys where no signature is checked, and naming the need for a key of
// --admin-credentials (never printing one) where it is.
func TestBannerTryIt(t *testing.T) {
	open := (&App{Config: config.Config{Region: "us-east-1"}}).Banner("127.0.0.1:9229")
	if !strings.Contains(open, "AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws cognito-idp create-user-pool") {
		t.Errorf("banner without admin credentials:\n%s", open)
	}
	signed := (&App{Config: config.Config{Region: "us-east-1", AdminCredentials: "AKIDEXAMPLE:s3cret"}}).Banner("127.0.0.1:9229")
	if strings.Contains(signed, "=local") || strings.Contains(signed, "s3cret") || !strings.Contains(signed, "<a key of --admin-credentials>") {
		t.Errorf("banner with admin credentials:\n%s", signed)
	}
}
