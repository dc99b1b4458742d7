"""kam's views read through psycopg2 (Debian's python3-psycopg2), over the
test cluster's unix socket (PGHOST is the socket directory, PGPORT, PGUSER).

    python3 check.py DB_BIGINT DB_UUID DB_TEXT

The three databases (test/clients/setup.sh) bind the same data with customer
ids of type bigint, uuid and text.  Checks that what doc/clients.md says holds:
every value of the main views arrives as the Python type documented for its
column's PostgreSQL type; customer_id keeps the user's type; money (float8)
equals the exact sum of the user's numeric amounts correctly rounded; numeric
columns arrive as Decimal; timestamptz arrives as an aware datetime naming the
right instant whatever the session's TimeZone.  Exits 1 on any failure.
"""
import datetime
import decimal
import os
import sys
import uuid

import psycopg2
import psycopg2.extras

psycopg2.extras.register_uuid()  # uuid -> uuid.UUID (without it: str)
UTC = datetime.timezone.utc

# PostgreSQL type OID -> the Python type psycopg2 gives (doc/clients.md)
PY_TYPES = {
    16: bool, 20: int, 21: int, 23: int, 25: str, 700: float, 701: float,
    1082: datetime.date, 1184: datetime.datetime, 1700: decimal.Decimal, 2950: uuid.UUID,
}
MAIN_VIEWS = ["customer_summary", "customer_tier", "tier_summary", "pareto_curve", "customer_value",
              "period_kpis", "revenue_movements", "revenue_retention_ttm", "cohort_retention",
              "customer_retention", "customer_survival", "visit_compliance", "manager_visit_compliance"]
EDGE_FIRST_ORDER = datetime.datetime(2024, 3, 31, 1, 30, tzinfo=UTC)

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAILED: " + what)


def connect(db, tz="UTC"):
    return psycopg2.connect(host=os.environ["PGHOST"], port=os.environ.get("PGPORT", "5432"),
                            user=os.environ.get("PGUSER", "postgres"), dbname=db,
                            options="-c TimeZone=" + tz)


def rows(cur, sql, args=()):
    cur.execute(sql, args)
    return cur.fetchall()


def check_database(db, id_oid, id_type, raw):
    conn = connect(db, "America/New_York")
    cur = conn.cursor()
    print("%s: customer_id is %s" % (db, id_type.__name__))

    # 1. every value of every main view has the documented Python type
    for view in MAIN_VIEWS:
        cur.execute("SELECT * FROM kam.%s LIMIT 500" % view)
        data = cur.fetchall()
        check(len(data) > 0, "%s: kam.%s has rows" % (db, view))
        for i, col in enumerate(cur.description):
            want = PY_TYPES.get(col.type_code)
            check(want is not None, "%s: kam.%s.%s has a documented type (oid %s)" % (db, view, col.name, col.type_code))
            if col.name == "customer_id":
                check(col.type_code == id_oid, "%s: kam.%s.customer_id has oid %s, the user's %s"
                      % (db, view, col.type_code, id_oid))
            values = [r[i] for r in data if r[i] is not None]
            bad = [v for v in values if not isinstance(v, want or object) or (want is int and isinstance(v, bool))]
            check(not bad, "%s: kam.%s.%s values are %s (got %r)"
                  % (db, view, col.name, want and want.__name__, bad[:1] and type(bad[0])))
            if want is datetime.datetime:
                check(all(v.tzinfo is not None for v in values), "%s: kam.%s.%s is time-zone aware" % (db, view, col.name))

    # 2. the edge customer: its id, first order instant and revenue
    (edge_id,), = rows(cur, "SELECT customer_id FROM %s.customers WHERE name = 'Edge Case Ltd'" % raw)
    check(type(edge_id) is id_type, "%s: the edge customer's id is a %s" % (db, id_type.__name__))
    if id_type is int:
        check(edge_id == 2 ** 53 + 1, "%s: bigint id 2^53+1 arrives exactly (%r)" % (db, edge_id))
    r = rows(cur, "SELECT customer_id, first_order_at, revenue, orders FROM kam.customer_summary WHERE customer_id = %s",
             (edge_id,))
    check(len(r) == 1, "%s: the edge customer is found by its %s id" % (db, id_type.__name__))
    cid, first, revenue, n = r[0]
    check(cid == edge_id and type(cid) is id_type, "%s: customer_summary gives back the same id" % db)
    check(first == EDGE_FIRST_ORDER, "%s: first_order_at %r is 2024-03-31 01:30 UTC" % (db, first))
    check(first.utcoffset() == datetime.timedelta(hours=-4),
          "%s: in TimeZone America/New_York it carries -04:00 (EDT), got %s" % (db, first.utcoffset()))
    check(type(revenue) is float and revenue == 1234.66, "%s: revenue %r is the float 1234.66" % (db, revenue))
    check(type(n) is int and n == 2, "%s: orders is int 2" % db)

    # the same instant from a session in another zone
    conn2 = connect(db, "Asia/Kolkata")
    (first2,), = rows(conn2.cursor(), "SELECT first_order_at FROM kam.customer_summary WHERE customer_id = %s", (edge_id,))
    check(first2 == first and first2.utcoffset() == datetime.timedelta(hours=5, minutes=30),
          "%s: TimeZone Asia/Kolkata gives the same instant at +05:30 (%r)" % (db, first2))
    conn2.close()

    # 3. money: each customer's float8 revenue is the exact numeric sum of its orders, correctly rounded
    exact = dict(rows(cur, "SELECT customer_id, sum(amount) FROM %s.orders GROUP BY 1" % raw))
    check(all(type(v) is decimal.Decimal for v in exact.values()), "%s: numeric(12,2) amounts arrive as Decimal" % db)
    got = dict(rows(cur, "SELECT customer_id, revenue FROM kam.customer_summary WHERE orders > 0"))
    wrong = [k for k in exact if got.get(k) != float(exact[k])]
    check(len(got) == len(exact) and not wrong,
          "%s: revenue == float(exact Decimal sum) for all %d customers (%d differ)" % (db, len(exact), len(wrong)))

    # shares are float8 fractions; counts are bigint, Python ints
    shares = rows(cur, "SELECT customer_share, revenue_share FROM kam.tier_summary")
    check(abs(sum(s[1] for s in shares) - 1) < 1e-9 and all(type(s[0]) is float for s in shares),
          "%s: tier revenue_share are floats summing to 1" % db)
    visits = rows(cur, "SELECT actual_visits FROM kam.manager_visit_compliance")
    check(visits and all(type(v[0]) is int for v in visits),
          "%s: manager_visit_compliance.actual_visits (bigint, a count) is an int" % db)
    alive = rows(cur, "SELECT p_alive, clv_12m FROM kam.customer_value WHERE customer_id = %s", (edge_id,))
    check(alive and type(alive[0][0]) is float and 0 <= alive[0][0] <= 1, "%s: p_alive is a float in [0, 1]" % db)
    (cohort,), = rows(cur, "SELECT min(cohort) FROM kam.cohort_retention")
    check(type(cohort) is datetime.date and cohort.day == 1, "%s: cohort is a datetime.date (%r)" % (db, cohort))
    conn.close()


def main():
    dbs = sys.argv[1:4]
    print("psycopg2 %s, libpq %s" % (psycopg2.__version__, psycopg2.extensions.libpq_version()))
    check_database(dbs[0], 20, int, "demo")
    check_database(dbs[1], 2950, uuid.UUID, "ids")
    check_database(dbs[2], 25, str, "ids")
    print("%d checks, %d failed" % (checks, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
