// Command signalbox-ferretdb runs FerretDB v1.24 (MongoDB wire protocol on SQLite) as the
// embedded database of Signalbox's dev stack and test suite.
//
// It embeds FerretDB's public package instead of building cmd/ferretdb, whose version
// check panics outside FerretDB's own release build (`go install ...@v1.24.2` fails).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("sqlite-dir", "data/ferretdb", "directory holding one SQLite file per database")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	params := flag.String("sqlite-params", "", "extra query parameters for each SQLite database URI, e.g. _pragma=synchronous(normal)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fail("invalid -log-level: %v", err)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail("invalid -sqlite-dir: %v", err)
	}
	if err = os.MkdirAll(abs, 0o755); err != nil {
		fail("cannot create -sqlite-dir: %v", err)
	}

	db, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Logger:   logger,
		Handler:  "sqlite",
		// FerretDB adds busy_timeout, WAL and auto_vacuum itself. Its transactions are deferred, so
		// concurrent writers occasionally get SQLITE_BUSY at once (a read lock cannot be upgraded);
		// the application retries those (core/platform/sqlite-busy-retry.ts). _txlock=immediate
		// would avoid them but makes every read transaction take the write lock, which is far slower.
		SQLiteURL: "file:" + abs + "/?" + *params,
	})
	if err != nil {
		fail("cannot start FerretDB: %v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go keepIDIndexes(ctx, abs, time.Second, logger)

	fmt.Fprintf(os.Stderr, "signalbox-ferretdb listening on %s, data in %s\n", *listen, abs)
	if err = db.Run(ctx); err != nil && ctx.Err() == nil {
		fail("FerretDB stopped: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "signalbox-ferretdb: "+format+"\n", args...)
	os.Exit(1)
}
