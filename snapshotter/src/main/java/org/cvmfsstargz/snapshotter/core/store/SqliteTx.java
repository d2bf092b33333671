package org.cvmfsstargz.snapshotter.core.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.core.SnapshotInfo;
import org.cvmfsstargz.snapshotter.core.Usage;

/** {@link Tx} over the connection of a {@link SqliteMetaStore}; lives for one transaction. */
final class SqliteTx implements Tx {
    private static final String SELECT = """
            SELECT s.id, s.key, s.kind, s.parent_id, p.key, s.created_us, s.updated_us, s.size, s.inodes, s.source
            FROM snapshots s LEFT JOIN snapshots p ON p.id = s.parent_id""";

    private final Path file;
    private final Connection c;
    private final boolean readOnly;
    private boolean open = true;

    SqliteTx(Path file, Connection c, boolean readOnly) {
        this.file = file;
        this.c = c;
        this.readOnly = readOnly;
    }

    void close() {
        open = false;
    }

    @Override
    public Optional<SnapshotRecord> find(String key) {
        List<SnapshotRecord> found = query(SELECT + " WHERE s.key = ?", key);
        return found.stream().findFirst();
    }

    @Override
    public SnapshotRecord insert(String key, Kind kind, Optional<Long> parentId, Map<String, String> labels,
            Instant now) {
        checkWritable();
        long id = executeInsert("INSERT INTO snapshots (key, kind, parent_id, created_us, updated_us) VALUES (?,?,?,?,?)",
                key, kind.name(), parentId.orElse(null), micros(now), micros(now));
        writeLabels(id, labels);
        return byId(id);
    }

    @Override
    public SnapshotRecord commit(long id, String name, Optional<Long> parentId, Map<String, String> labels,
            Usage usage, Instant now) {
        checkWritable();
        execute("UPDATE snapshots SET key = ?, kind = 'COMMITTED', created_us = ?, updated_us = ?, size = ?, inodes = ?"
                + " WHERE id = ?", name, micros(now), micros(now), usage.size(), usage.inodes(), id);
        parentId.ifPresent(p -> execute("UPDATE snapshots SET parent_id = ? WHERE id = ?", p, id));
        writeLabels(id, labels);
        return byId(id);
    }

    @Override
    public SnapshotRecord recordProvenance(long id, Provenance provenance) {
        checkWritable();
        execute("UPDATE snapshots SET source = ? WHERE id = ?", provenance.source(), id);
        writeLabels("source_labels", id, provenance.labels());
        return byId(id);
    }

    @Override
    public SnapshotRecord updateLabels(long id, Map<String, String> labels, Instant now) {
        checkWritable();
        execute("UPDATE snapshots SET updated_us = ? WHERE id = ?", micros(now), id);
        writeLabels(id, labels);
        return byId(id);
    }

    @Override
    public void delete(long id) {
        checkWritable();
        execute("DELETE FROM snapshots WHERE id = ?", id);
    }

    @Override
    public boolean hasChildren(long id) {
        return !longs("SELECT id FROM snapshots WHERE parent_id = ? LIMIT 1", id).isEmpty();
    }

    @Override
    public List<SnapshotRecord> ancestors(long id) {
        return ancestorIds(id).stream().map(this::byId).toList();
    }

    private List<Long> ancestorIds(long id) {
        return longs("""
                WITH RECURSIVE chain(id, parent_id, depth) AS (
                  SELECT id, parent_id, 0 FROM snapshots WHERE id = ?
                  UNION ALL
                  SELECT s.id, s.parent_id, chain.depth + 1 FROM snapshots s JOIN chain ON s.id = chain.parent_id
                )
                SELECT id FROM chain WHERE depth > 0 ORDER BY depth""", id);
    }

    @Override
    public List<SnapshotRecord> all() {
        return query(SELECT + " ORDER BY s.id");
    }

    @Override
    public Set<Long> ids() {
        return new LinkedHashSet<>(longs("SELECT id FROM snapshots ORDER BY id"));
    }

    private SnapshotRecord byId(long id) {
        return query(SELECT + " WHERE s.id = ?", id).getFirst();
    }

    private void writeLabels(long id, Map<String, String> labels) {
        writeLabels("labels", id, labels);
    }

    /** Replaces the rows of {@code id} in {@code table} ({@code labels} or {@code source_labels}). */
    private void writeLabels(String table, long id, Map<String, String> labels) {
        execute("DELETE FROM " + table + " WHERE snapshot_id = ?", id);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (snapshot_id, name, value)"
                + " VALUES (?,?,?)")) {
            for (Map.Entry<String, String> e : labels.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue; // containerd never stores an empty label value
                }
                ps.setLong(1, id);
                ps.setString(2, e.getKey());
                ps.setString(3, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw failed("writing labels", e);
        }
    }

    private List<SnapshotRecord> query(String sql, Object... args) {
        checkOpen();
        List<SnapshotRecord> rows = new ArrayList<>();
        try (PreparedStatement ps = bind(sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(record(rs));
            }
        } catch (SQLException e) {
            throw failed("query", e);
        }
        return rows;
    }

    private SnapshotRecord record(ResultSet rs) throws SQLException {
        long id = rs.getLong(1);
        long parentId = rs.getLong(4);
        boolean hasParent = !rs.wasNull();
        String parentKey = hasParent ? rs.getString(5) : "";
        long size = rs.getLong(8);
        Optional<Usage> usage = rs.wasNull() ? Optional.empty() : Optional.of(new Usage(size, rs.getLong(9)));
        Optional<String> source = Optional.ofNullable(rs.getString(10));
        SnapshotInfo info = new SnapshotInfo(rs.getString(2), parentKey, Kind.valueOf(rs.getString(3)),
                instant(rs.getLong(6)), instant(rs.getLong(7)), labels("labels", id));
        Optional<Provenance> provenance = source.map(s -> new Provenance(s, labels("source_labels", id)));
        return new SnapshotRecord(id, info, hasParent ? Optional.of(parentId) : Optional.empty(), usage, provenance);
    }

    private Map<String, String> labels(String table, long id) {
        Map<String, String> labels = new HashMap<>();
        try (PreparedStatement ps = bind("SELECT name, value FROM " + table + " WHERE snapshot_id = ?", id);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                labels.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw failed("reading labels", e);
        }
        return labels;
    }

    private List<Long> longs(String sql, Object... args) {
        checkOpen();
        List<Long> values = new ArrayList<>();
        try (PreparedStatement ps = bind(sql, args); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                values.add(rs.getLong(1));
            }
        } catch (SQLException e) {
            throw failed("query", e);
        }
        return values;
    }

    private void execute(String sql, Object... args) {
        checkOpen();
        try (PreparedStatement ps = bind(sql, args)) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failed("update", e);
        }
    }

    private long executeInsert(String sql, Object... args) {
        checkOpen();
        try (PreparedStatement ps = bind(sql, args)) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw failed("insert", e);
        }
        return longs("SELECT last_insert_rowid()").getFirst();
    }

    private PreparedStatement bind(String sql, Object... args) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("transaction used after its body returned");
        }
    }

    private void checkWritable() {
        checkOpen();
        if (readOnly) {
            throw new IllegalStateException("write attempted in a read transaction");
        }
    }

    private StoreException failed(String what, SQLException e) {
        return new StoreException(file, what + " failed: " + e.getMessage(), e);
    }

    private static long micros(Instant t) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, t);
    }

    private static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }
}
