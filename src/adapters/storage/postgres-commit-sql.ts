/**
 * The commit of `postgresStorage` as one server-side function: the adapter checks and converts
 * the whole commit in JavaScript, then sends it as one JSON argument — one round trip, plans
 * cached by PL/pgSQL — instead of a dozen statements. It does exactly what the statement-by-
 * statement path in postgres.ts does (the storage contract runs on both). The commit's shape is
 * `jsonb` (parsed once; `json` would be parsed again by every `->`), the values it stores are a
 * `json[]` beside it (kept as written, key order included) referred to by 1-based index. A conflict raises
 * SQLSTATE `LF409` (versions), `LF410` (unique lookups) or `LF403` (fenced), with the details as
 * JSON in the message.
 *
 * @module
 */

/**
 * The function, with `{schema}` for the quoted schema (a migration).
 *
 * @category Storage
 */
export const COMMIT_FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION {schema}.commit(p_tenant text, p_at double precision, p jsonb, p_values json[])
RETURNS json LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  w jsonb;
  v_version integer;
  v_versions integer[] := '{}';
  v_state integer[] := '{}';
  v_last bigint := 0;
  v_n integer;
  v_missing record;
  v_holder text;
BEGIN
  IF p->'fence' IS NOT NULL AND jsonb_typeof(p->'fence') = 'object' THEN
    PERFORM 1 FROM {schema}.shard_lease
      WHERE shard = (p->'fence'->>'shard')::int AND owner = p->'fence'->>'owner'
        AND fence = (p->'fence'->>'token')::bigint
        AND lease_until > extract(epoch from clock_timestamp()) * 1000
      FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'LF403', MESSAGE = 'fenced';
    END IF;
  END IF;

  FOR e IN SELECT * FROM jsonb_array_elements(coalesce(p->'entities', '[]')) LOOP
    IF (e->>'v')::int = 0 THEN
      INSERT INTO {schema}.entity (tenant, kind, id, version, snapshot, updated_at)
        VALUES (p_tenant, e->>'k', e->>'i', 1, p_values[(e->>'s')::int], p_at)
        ON CONFLICT DO NOTHING RETURNING version INTO v_version;
    ELSE
      UPDATE {schema}.entity SET version = version + 1, snapshot = p_values[(e->>'s')::int], updated_at = p_at
        WHERE tenant = p_tenant AND kind = e->>'k' AND id = e->>'i' AND version = (e->>'v')::int
        RETURNING version INTO v_version;
    END IF;
    IF v_version IS NULL THEN
      SELECT version INTO v_version FROM {schema}.entity WHERE tenant = p_tenant AND kind = e->>'k' AND id = e->>'i';
      RAISE EXCEPTION USING ERRCODE = 'LF409', MESSAGE = json_build_object(
        'scope', 'entity', 'kind', e->>'k', 'id', e->>'i', 'expected', (e->>'v')::int, 'actual', coalesce(v_version, 0))::text;
    END IF;
    v_versions := v_versions || v_version;
    v_version := NULL;
  END LOOP;

  FOR w IN SELECT * FROM jsonb_array_elements(coalesce(p->'state', '[]')) LOOP
    IF jsonb_typeof(w->'v') = 'null' THEN
      INSERT INTO {schema}.state AS st (tenant, key, version, value, updated_at) VALUES (p_tenant, w->>'k', 1, p_values[(w->>'x')::int], p_at)
        ON CONFLICT (tenant, key) DO UPDATE SET version = st.version + 1, value = excluded.value, updated_at = p_at
        RETURNING version INTO v_version;
    ELSIF (w->>'v')::int = 0 THEN
      INSERT INTO {schema}.state (tenant, key, version, value, updated_at) VALUES (p_tenant, w->>'k', 1, p_values[(w->>'x')::int], p_at)
        ON CONFLICT DO NOTHING RETURNING version INTO v_version;
    ELSE
      UPDATE {schema}.state SET version = version + 1, value = p_values[(w->>'x')::int], updated_at = p_at
        WHERE tenant = p_tenant AND key = w->>'k' AND version = (w->>'v')::int RETURNING version INTO v_version;
    END IF;
    IF v_version IS NULL THEN
      SELECT version INTO v_version FROM {schema}.state WHERE tenant = p_tenant AND key = w->>'k';
      RAISE EXCEPTION USING ERRCODE = 'LF409', MESSAGE = json_build_object(
        'scope', 'state', 'kind', 'state', 'id', w->>'k', 'expected', (w->>'v')::int, 'actual', coalesce(v_version, 0))::text;
    END IF;
    v_state := v_state || v_version;
    v_version := NULL;
  END LOOP;

  -- Lookups and unique lookups of the entities that give them: the old rows go, the new come.
  -- A created entity has none yet, so only rewrites delete. (Each section runs only when it has
  -- rows: an empty statement still costs its executor start.)
  IF p ? 'relookup' THEN
  DELETE FROM {schema}.lookup l USING jsonb_array_elements(p->'entities') x
    WHERE jsonb_typeof(x->'l') = 'array' AND (x->>'v')::int > 0
      AND l.tenant = p_tenant AND l.kind = x->>'k' AND l.id = x->>'i';
  END IF;
  IF p ? 'lookups' THEN
  INSERT INTO {schema}.lookup (tenant, kind, key, value, id)
    SELECT p_tenant, x->>'k', kv->>0, kv->>1, x->>'i'
    FROM jsonb_array_elements(p->'entities') x, jsonb_array_elements(x->'l') kv
    WHERE jsonb_typeof(x->'l') = 'array'
    ON CONFLICT DO NOTHING;
  END IF;
  IF p ? 'reclaim' THEN
  DELETE FROM {schema}.unique_lookup l USING jsonb_array_elements(p->'entities') x
    WHERE jsonb_typeof(x->'u') = 'array' AND (x->>'v')::int > 0
      AND l.tenant = p_tenant AND l.kind = x->>'k' AND l.id = x->>'i';
  END IF;
  IF p->>'claims' IS NOT NULL THEN
    INSERT INTO {schema}.unique_lookup (tenant, kind, key, value, id)
      SELECT p_tenant, x->>'k', kv->>0, kv->>1, x->>'i'
      FROM jsonb_array_elements(p->'entities') x, jsonb_array_elements(x->'u') kv
      WHERE jsonb_typeof(x->'u') = 'array'
      ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    IF v_n < (p->>'claims')::int THEN
      SELECT x->>'k' AS kind, kv->>0 AS key, kv->>1 AS value, x->>'i' AS id INTO v_missing
        FROM jsonb_array_elements(p->'entities') x, jsonb_array_elements(x->'u') kv
        WHERE jsonb_typeof(x->'u') = 'array' AND NOT EXISTS (
          SELECT 1 FROM {schema}.unique_lookup u WHERE u.tenant = p_tenant AND u.kind = x->>'k'
            AND u.key = kv->>0 AND u.value = kv->>1 AND u.id = x->>'i')
        LIMIT 1;
      SELECT id INTO v_holder FROM {schema}.unique_lookup
        WHERE tenant = p_tenant AND kind = v_missing.kind AND key = v_missing.key AND value = v_missing.value;
      RAISE EXCEPTION USING ERRCODE = 'LF410', MESSAGE = json_build_object('kind', v_missing.kind,
        'key', v_missing.key, 'value', v_missing.value, 'id', v_missing.id, 'holder', v_holder)::text;
    END IF;
  END IF;

  v_n := coalesce(jsonb_array_length(p->'events'), 0);
  IF v_n > 0 THEN
    INSERT INTO {schema}.counter AS c (tenant, event_seq) VALUES (p_tenant, v_n)
      ON CONFLICT (tenant) DO UPDATE SET event_seq = c.event_seq + v_n RETURNING event_seq INTO v_last;
    INSERT INTO {schema}.event (tenant, seq, entity_id, kind, type, at, data)
      SELECT p_tenant, v_last - v_n + x.ord, x.j->>'e', x.j->>'k', x.j->>'t', (x.j->>'a')::double precision, p_values[(x.j->>'d')::int]
      FROM jsonb_array_elements(p->'events') WITH ORDINALITY AS x(j, ord);
  END IF;

  -- Complete, then cancel, then schedule: a fired timer's successor may reuse its key.
  IF p ? 'complete' THEN
  DELETE FROM {schema}.timer t USING jsonb_array_elements(p->'complete') x
    WHERE t.tenant = p_tenant AND t.entity_id = x->>'e' AND t.timer_key = x->>'k' AND t.generation = (x->>'g')::bigint;
  END IF;
  IF p ? 'cancel' THEN
  DELETE FROM {schema}.timer t USING jsonb_array_elements(p->'cancel') x
    WHERE t.tenant = p_tenant AND t.entity_id = x->>'e' AND t.timer_key = x->>'k';
  END IF;
  IF p ? 'schedule' THEN
  INSERT INTO {schema}.timer AS t (tenant, entity_id, timer_key, generation, due_at, payload, attempts,
      eligible_at, eligible_seq, lease_until, worker_id)
    SELECT p_tenant, o.j->>'e', o.j->>'k', (o.j->>'g')::bigint, (o.j->>'d')::double precision,
      CASE WHEN o.j ? 'p' THEN p_values[(o.j->>'p')::int] END, 0,
      (o.j->>'d')::double precision, nextval('{schema}.eligible_seq'), NULL, NULL
    FROM (SELECT x.j, x.ord FROM jsonb_array_elements(p->'schedule') WITH ORDINALITY AS x(j, ord) ORDER BY x.ord) o
    ON CONFLICT (tenant, entity_id, timer_key) DO UPDATE SET
      generation = excluded.generation, due_at = excluded.due_at, payload = excluded.payload, attempts = 0,
      eligible_at = excluded.due_at, eligible_seq = excluded.eligible_seq, lease_until = NULL, worker_id = NULL;
  END IF;
  IF (p->>'wake')::boolean THEN
    PERFORM pg_notify(p->>'channel', p_tenant);
  END IF;

  IF p ? 'outbox' THEN
  INSERT INTO {schema}.outbox (tenant, id, channel, recipients, payload, created_at, attempts, next_attempt_at,
      eligible_seq, status)
    SELECT p_tenant, o.j->>'i', o.j->>'c', ARRAY(SELECT jsonb_array_elements_text(o.j->'to')), p_values[(o.j->>'p')::int],
      (o.j->>'ca')::double precision, 0, (o.j->>'na')::double precision, nextval('{schema}.eligible_seq'), 'pending'
    FROM (SELECT x.j, x.ord FROM jsonb_array_elements(p->'outbox') WITH ORDINALITY AS x(j, ord) ORDER BY x.ord) o
    ON CONFLICT DO NOTHING;
  END IF;
  IF p ? 'quarantine' THEN
  INSERT INTO {schema}.quarantine (tenant, id, received_at, raw, issues, reason)
    SELECT p_tenant, x->>'i', (x->>'r')::double precision, p_values[(x->>'raw')::int], p_values[(x->>'iss')::int], x->>'why'
    FROM jsonb_array_elements(p->'quarantine') x
    ON CONFLICT DO NOTHING;
  END IF;

  RETURN json_build_object('versions', to_json(v_versions), 'stateVersions', to_json(v_state), 'lastSeq', v_last);
END
$fn$`;
