package server_test

import (
	"citdesk"
	"citdesk/store"
)

// callService returns the store's call service.
func callService(db *store.DB) citdesk.CallService { return db.CallService() }
