package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB v1.24 looks documents up by `_ferretdb_sjson->'$._id' = ?` (point reads, updates,
// deletes), but its unique _id index is built on the expression `_ferretdb_sjson->"_id"`. SQLite
// only uses an expression index for the identical expression, so every _id lookup scans the whole
// table (≈ 30 ms at 10,000 documents). The launcher adds an index on the expression the queries
// use to every collection table, so _id lookups stay logarithmic. FerretDB keeps its own index
// list in its metadata table and never sees this one; dropping a collection drops it with the table.

const idIndexSuffix = "_signalbox_id"

// keepIDIndexes adds the missing indexes now and then every interval until ctx ends.
func keepIDIndexes(ctx context.Context, dir string, interval time.Duration, logger *slog.Logger) {
	conns := map[string]*sql.DB{}
	defer func() {
		for _, db := range conns {
			_ = db.Close()
		}
	}()
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			db := conns[file]
			if db == nil {
				var err error
				if db, err = sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)"); err != nil {
					logger.Warn("id index: cannot open database", "file", file, "error", err)
					continue
				}
				db.SetMaxOpenConns(1)
				conns[file] = db
			}
			if err := addMissingIDIndexes(ctx, db); err != nil && ctx.Err() == nil {
				logger.Warn("id index: cannot add indexes", "file", file, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func addMissingIDIndexes(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `
		SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE '\_ferretdb\_%' ESCAPE '\'
		  AND name || ? NOT IN (SELECT name FROM sqlite_master WHERE type = 'index')`, idIndexSuffix)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err = rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+idIndexSuffix, table)
		if _, err = db.ExecContext(ctx, q); err != nil && !strings.Contains(err.Error(), "no such table") {
			return err
		}
	}
	return nil
}
