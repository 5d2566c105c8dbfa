import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log (CONTRACT.md, Audit; docs/AUDIT.md). Three append-only tables:
 *
 * - audit_event: one row per AuditEvent, `content` the JSON exactly as served (and hashed);
 *   the other columns are derived from it for search and checked against it by $verify.
 *   `txid` is the inserting transaction's id: the sealer uses it to find rows that committed
 *   after its previous round, whatever their seq (the gap problem, docs/AUDIT.md).
 * - audit_link: search index rows (reference, kind, seq): patient (p), entity (e), agent
 *   reference (a), agent identifier (i). A B-tree the planner understands (LESSONS.md on
 *   arrays), and one patient's events are a range scan in log order.
 * - audit_seal: the hash chain, written by the sealer only: chain position, seq, SHA-256, and
 *   where the next round must look (horizon, after_seq, snap_xmin: docs/AUDIT.md).
 *
 * The database refuses UPDATE, DELETE and TRUNCATE on all three: a trigger raises.
 */
export class Audit1732700000000 implements MigrationInterface {
  name = 'Audit1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_event (
        seq       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id        text        NOT NULL,
        recorded  timestamptz NOT NULL,
        txid      bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
        type      text        NOT NULL,
        subtype   text,
        action    text        NOT NULL CHECK (action IN ('C', 'R', 'U', 'D', 'E')),
        outcome   text        NOT NULL CHECK (outcome IN ('0', '4', '8', '12')),
        purpose   text[],
        patients  text[]      NOT NULL DEFAULT '{}',
        content   text        NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX audit_event_id_key ON audit_event (id)`);
    await q.query(`CREATE INDEX audit_event_recorded_idx ON audit_event (recorded, seq)`);
    // Transaction ids grow with insertion order: a BRIN index costs almost nothing to keep.
    await q.query(`CREATE INDEX audit_event_txid_idx ON audit_event USING brin (txid) WITH (pages_per_range = 16)`);

    await q.query(`
      CREATE TABLE audit_link (
        ref  text   NOT NULL,
        kind text   NOT NULL,
        seq  bigint NOT NULL,
        PRIMARY KEY (ref, kind, seq)
      )`);

    await q.query(`
      CREATE TABLE audit_seal (
        pos       bigint      PRIMARY KEY,
        seq       bigint      NOT NULL UNIQUE,
        id        text        NOT NULL,
        hash      bytea       NOT NULL CHECK (length(hash) = 32),
        horizon   bigint      NOT NULL,
        after_seq bigint,
        snap_xmin bigint      NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const t of ['audit_event', 'audit_link', 'audit_seal']) {
      await q.query(`CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${t}
                       FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS audit_seal, audit_link, audit_event`);
    await q.query(`DROP FUNCTION IF EXISTS audit_append_only()`);
  }
}
