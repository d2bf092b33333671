package org.cvmfsstargz.snapshotter.core.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link MetaStore} in an SQLite database file ({@code <root>/metadata.db}) through sqlite-jdbc,
 * in WAL mode with full sync, so that a committed transaction survives power loss and a crash
 * mid-transaction leaves the previous state.
 *
 * <p>Thread-safe: one connection, one transaction at a time under a lock. Snapshot operations
 * are short (a few rows), so serialising them costs less than it would to reason about SQLite's
 * busy handling across connections. Opened by the composition root, which closes it.
 */
public final class SqliteMetaStore implements MetaStore {
    /** The schema this code reads and writes; a database with a higher version is refused ({@link SqliteSchema}). */
    static final int SCHEMA_VERSION = SqliteSchema.VERSION;

    private final Path file;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();

    private SqliteMetaStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
    }

    /**
     * Opens (creating if absent) the database at {@code file}. Refuses, deleting nothing, a file
     * that is not an SQLite database, fails its integrity check, or has a newer schema.
     */
    public static SqliteMetaStore open(Path file) {
        Connection c = null;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            boolean existed = Files.exists(file) && Files.size(file) > 0;
            c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                checkIntegrity(file, s);
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=10000");
                int version = userVersion(s);
                if (version > SCHEMA_VERSION) {
                    throw new StoreException(file, "schema version " + version + " was written by a newer"
                            + " cvmfs-stargz-snapshotter (this one reads version " + SCHEMA_VERSION + "); run the"
                            + " newer version, or move the root aside to start afresh. Nothing was changed", null);
                }
                if (version == 0 && existed && hasTables(s)) {
                    throw new StoreException(file, "holds tables but no schema version; it was not written by"
                            + " this daemon. Nothing was changed", null);
                }
                if (version < SCHEMA_VERSION) {
                    SqliteSchema.upgrade(c, version);
                }
            }
            c.setAutoCommit(false);
            return new SqliteMetaStore(file, c);
        } catch (SQLException | java.io.IOException e) {
            closeQuietly(c);
            throw new StoreException(file, "cannot be opened (" + e.getMessage() + "); if it is corrupt, move it"
                    + " aside and start afresh. Nothing was changed", e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private static void checkIntegrity(Path file, Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
            String verdict = rs.next() ? rs.getString(1) : "no answer";
            if (!"ok".equals(verdict)) {
                throw new StoreException(file, "failed its integrity check (" + verdict + "); move it aside to"
                        + " start afresh. Nothing was changed", null);
            }
        }
    }

    private static int userVersion(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static boolean hasTables(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type='table'")) {
            return rs.next() && rs.getInt(1) > 0;
        }
    }

    @Override
    public <T> T read(Body<T> body) {
        return inTransaction(body, true);
    }

    @Override
    public <T> T write(Body<T> body) {
        return inTransaction(body, false);
    }

    private <T> T inTransaction(Body<T> body, boolean readOnly) {
        lock.lock();
        try {
            SqliteTx tx = new SqliteTx(file, connection, readOnly);
            try {
                T result = body.run(tx);
                connection.commit();
                return result;
            } catch (RuntimeException | Error e) {
                rollback(e);
                throw e;
            } catch (SQLException e) {
                rollback(e);
                throw new StoreException(file, "commit failed: " + e.getMessage(), e);
            } finally {
                tx.close();
            }
        } finally {
            lock.unlock();
        }
    }

    private void rollback(Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw new StoreException(file, "close failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Already failing; the original error is the one to report.
            }
        }
    }
}
