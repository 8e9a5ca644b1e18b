package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// Two URLs are two schemas: a table made in one is not seen in the other.
func TestSchemasAreIsolated(t *testing.T) {
	ctx := context.Background()
	a, b := URL(t), URL(t)
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	if _, err := ca.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	if _, err := cb.Exec(ctx, "SELECT * FROM t"); err == nil {
		t.Fatal("schema b sees schema a's table")
	}
}

// The throwaway cluster starts from the machine's initdb and pg_ctl.
func TestThrowawayCluster(t *testing.T) {
	if findTool("initdb") == "" {
		t.Skip("no initdb on this machine")
	}
	u, stop, err := startCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var one int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
}
