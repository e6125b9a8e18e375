package org.e2guard.platform.db;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

/**
 * What a killed predecessor leaves in the embedded store's data directory: its PostgreSQL still
 * running (pg_ctl detaches it from the JVM) and holding {@code postmaster.pid}, so that the next
 * start waits in vain and fails. It is stopped here, and only when it is provably an orphan: the
 * library's lock file ({@code epg-lock}) can be locked, so no live JVM uses the directory, and
 * {@code postmaster.pid} names a live {@code postgres} process serving this very directory.
 * A {@code postmaster.pid} whose server is gone is removed.
 */
final class StaleServer {
    private static final Logger LOG = Logger.getLogger(StaleServer.class);
    static final String LOCK_FILE = "epg-lock";
    static final String PID_FILE = "postmaster.pid";
    /** A smart shutdown waits for sessions; those of a killed JVM end as soon as PostgreSQL notices. */
    private static final long STOP_WAIT_SECONDS = 30;

    private StaleServer() {
    }

    /** Stops an orphaned PostgreSQL on {@code dataDirectory}; fails when a live process still uses it. */
    static void stopOrphan(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve(PID_FILE);
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(dataDirectory.resolve(LOCK_FILE).toFile(), "rw");
             FileChannel channel = raf.getChannel();
             FileLock lock = channel.tryLock()) {
            if (lock == null) {
                throw new IllegalStateException("the data directory " + dataDirectory
                        + " is in use by another running e2guard (the embedded store is for a single replica)");
            }
            Optional<ProcessHandle> postmaster = postmaster(pidFile, dataDirectory);
            if (postmaster.isEmpty()) {
                // its process is gone, but in a container its pid may now be another's (even ours),
                // which PostgreSQL would take for a running server
                Files.delete(pidFile);
                return;
            }
            ProcessHandle pg = postmaster.get();
            LOG.warnf("The embedded PostgreSQL of a previous run (pid %d) is still running on %s: stopping it", pg.pid(),
                    dataDirectory);
            List<ProcessHandle> backends = pg.descendants().toList();
            pg.destroy();
            try {
                pg.onExit().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // it did not stop by itself: a hard stop; PostgreSQL recovers from its WAL on the next start
                backends.forEach(ProcessHandle::destroyForcibly);
                pg.destroyForcibly();
                pg.onExit().get(STOP_WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the previous embedded PostgreSQL", e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("the previous embedded PostgreSQL on " + dataDirectory + " does not stop", e);
        }
    }

    /** The live postgres process that {@code postmaster.pid} names for this directory, if any. */
    static Optional<ProcessHandle> postmaster(Path pidFile, Path dataDirectory) throws IOException {
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.size() < 2) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(lines.get(0).strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        boolean sameDirectory = Path.of(lines.get(1).strip()).toAbsolutePath().normalize()
                .equals(dataDirectory.toAbsolutePath().normalize());
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> sameDirectory)
                .filter(h -> h.info().command().map(c -> Path.of(c).getFileName().toString().equals("postgres")).orElse(false));
    }
}
