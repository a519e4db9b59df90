// Command ferretdb-launcher runs an embedded FerretDB (SQLite handler) on 127.0.0.1 for the e2e tests.
//
// The released `cmd/ferretdb` binary cannot be built from the module alone (its version file is generated in
// release builds only), so this launcher calls the embeddable package instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	port := flag.Int("port", 27017, "TCP port to listen on (127.0.0.1)")
	dir := flag.String("dir", "", "directory holding the SQLite databases (required)")
	pragmas := flag.String("sqlite-query", "_pragma=synchronous(off)", "query string of the SQLite URL (a test server needs no fsync)")
	quiet := flag.Bool("quiet", true, "log errors only")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher: -dir is required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(1)
	}

	level := slog.LevelInfo
	if *quiet {
		// FerretDB logs every error reply to a client at warning level; tests provoke those on purpose.
		level = slog.LevelError
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: fmt.Sprintf("127.0.0.1:%d", *port)},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/?" + *pragmas,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "ferretdb-launcher: listening on 127.0.0.1:%d\n", *port)
	if err := f.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-launcher:", err)
		os.Exit(1)
	}
}
