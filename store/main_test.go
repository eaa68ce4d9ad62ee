package store_test

import (
	"testing"

	"citdesk/store/storetest"
)

func TestMain(m *testing.M) {
	storetest.Main(m)
}
