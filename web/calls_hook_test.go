package web_test

import (
	"citdesk"
	"citdesk/store"
)

// callService returns the store's call service (nil until calls exist).
func callService(db *store.DB) citdesk.CallService { return nil }
