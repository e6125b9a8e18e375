package org.e2guard.population;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.e2guard.platform.db.Jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Dry-run jobs and their outputs in PostgreSQL ({@code population_job}, {@code population_output}),
 * so that every replica answers for every job. Outputs are stored gzip-compressed in chunks of
 * {@value #CHUNK} bytes and read back one chunk at a time: a download of a large population's
 * DetectedIssues never holds more than a chunk in memory, on either side.
 */
@ApplicationScoped
public class PopulationJobStore {
    static final int CHUNK = 1 << 20;

    /** A job as stored: its state, the replica running it, and when that replica last said it was alive. */
    public record Stored(PopulationJob job, String owner, Instant heartbeat) {
    }

    private final Jdbc db;

    public PopulationJobStore(Jdbc db) {
        this.db = db;
    }

    void insert(PopulationJob job, String owner, Instant now) {
        db.update("INSERT INTO population_job (id, status, owner, heartbeat) VALUES (?, ?, ?, ?)",
                job.id(), json(job), owner, now);
    }

    /**
     * Saves the owner's new state of an unfinished job; false when the job is gone (deleted by a
     * DELETE on any replica) or already over (declared failed by another replica that found its
     * heartbeat stale): either way the owner must stop. The first end written is the one that stays.
     */
    boolean save(PopulationJob job, Instant now) {
        return db.update("UPDATE population_job SET status = ?, heartbeat = ?, finished_at = ? WHERE id = ? AND finished_at IS NULL",
                json(job), now, job.finished(), job.id()) > 0;
    }

    /**
     * Declares a job failed because its heartbeat is stale, only if nobody wrote it since it was
     * read with that heartbeat: an owner that was only slow and has since renewed it, or finished,
     * keeps its job. False when the row changed.
     */
    boolean failStale(PopulationJob failed, Instant heartbeatRead, Instant now) {
        return db.update("UPDATE population_job SET status = ?, finished_at = ? WHERE id = ? AND heartbeat = ? AND finished_at IS NULL",
                json(failed), now, failed.id(), heartbeatRead) > 0;
    }

    Optional<Stored> find(String id) {
        return db.first("SELECT status, owner, heartbeat FROM population_job WHERE id = ?",
                rs -> new Stored(parse(rs.getString(1)), rs.getString(2), Jdbc.instant(rs, 3)), id);
    }

    boolean exists(String id) {
        return db.first("SELECT 1 FROM population_job WHERE id = ?", rs -> Boolean.TRUE, id).isPresent();
    }

    /** Deletes a job with its outputs; false when there was none. */
    boolean delete(String id) {
        return db.update("DELETE FROM population_job WHERE id = ?", id) > 0;
    }

    /** Renews the heartbeat of the unfinished jobs this replica runs. */
    void heartbeat(Collection<String> ids, Instant now) {
        if (!ids.isEmpty()) {
            db.update("UPDATE population_job SET heartbeat = ? WHERE id = ANY (?) AND finished_at IS NULL", now,
                    Jdbc.textArray(ids));
        }
    }

    /** Deletes the jobs that finished before the instant, outputs included; returns how many. */
    int deleteFinishedBefore(Instant before) {
        return db.update("DELETE FROM population_job WHERE finished_at < ?", before);
    }

    /** Stores a file as a job's output under a name, compressed, in one transaction. */
    void putOutput(String id, String name, Path file) {
        db.inTransaction(h -> {
            h.update("DELETE FROM population_output WHERE job_id = ? AND name = ?", id, name);
            try (InputStream in = Files.newInputStream(file);
                 OutputStream out = new GZIPOutputStream(new ChunkWriter(h, id, name), 1 << 16)) {
                in.transferTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        });
    }

    /** A job's output, decompressed as it is read; empty when there is none. */
    Optional<InputStream> output(String id, String name) {
        int chunks = db.one("SELECT count(*) FROM population_output WHERE job_id = ? AND name = ?",
                rs -> rs.getInt(1), id, name);
        if (chunks == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new GZIPInputStream(new ChunkReader(id, name, chunks), 1 << 16));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String json(PopulationJob job) {
        try {
            return PopulationJson.MAPPER.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PopulationJob parse(String json) {
        try {
            return PopulationJson.MAPPER.readValue(json, PopulationJob.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("population_job.status is not a job", e);
        }
    }

    /** Cuts what is written into rows of {@value #CHUNK} bytes. */
    private static final class ChunkWriter extends OutputStream {
        private final Jdbc.Handle h;
        private final String id;
        private final String name;
        private final byte[] buffer = new byte[CHUNK];
        private int filled;
        private int chunk;

        ChunkWriter(Jdbc.Handle h, String id, String name) {
            this.h = h;
            this.id = id;
            this.name = name;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            while (len > 0) {
                int n = Math.min(len, CHUNK - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == CHUNK) {
                    flushChunk();
                }
            }
        }

        @Override
        public void close() {
            if (filled > 0 || chunk == 0) {
                flushChunk();
            }
        }

        private void flushChunk() {
            byte[] data = java.util.Arrays.copyOf(buffer, filled);
            h.update("INSERT INTO population_output (job_id, name, chunk, data) VALUES (?, ?, ?, ?)", id, name, chunk++, data);
            filled = 0;
        }
    }

    /** Reads the rows back in order, one at a time. */
    private final class ChunkReader extends InputStream {
        private final String id;
        private final String name;
        private final int chunks;
        private int next;
        private byte[] current = new byte[0];
        private int pos;

        ChunkReader(String id, String name, int chunks) {
            this.id = id;
            this.name = name;
            this.chunks = chunks;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            while (pos == current.length) {
                if (next == chunks) {
                    return -1;
                }
                // a DELETE meanwhile ends the download short; the gzip reader then reports it truncated
                current = db.first("SELECT data FROM population_output WHERE job_id = ? AND name = ? AND chunk = ?",
                        rs -> rs.getBytes(1), id, name, next++).orElse(new byte[0]);
                pos = 0;
                if (current.length == 0) {
                    next = chunks;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
