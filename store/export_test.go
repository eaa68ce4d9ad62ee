package store

import "context"

// MigrateTo applies only the first k embedded migrations to the database
// at dsn, as a citdesk of that schema version would have, for the upgrade
// tests.
func MigrateTo(ctx context.Context, dsn string, k int) error {
	db, err := connect(ctx, dsn, openOptions{})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.migrate(ctx, k)
}

// TestDSN returns the database's data source name, for tests that look
// past the store.
func (db *DB) TestDSN() string { return db.dsn }
