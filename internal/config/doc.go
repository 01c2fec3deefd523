// Package config owns Ninshou's process settings: the one typed Config,
// loaded from defaults, then the environment (NINSHOU_<NAME>), then
// command-line flags, each later source beating the earlier ones.
//
// It is the only package that reads the environment; everything else is
// handed a Config (or the fields it needs) by internal/app. Settings that
// belong to a user pool (password policy, templates, ...) live in the store,
// not here.
//
// Every invalid value yields one error naming the flag, for example
//
//	invalid value "abc" for --addr: missing port in address
//
// which the caller prints before exiting with ExitCode.
package config
