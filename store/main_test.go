package store_test

import (
	"os"
	"testing"

	"citdesk/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	storetest.DropTemplate()
	os.Exit(code)
}
