package org.e2guard.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * e2guard's embedded store in a JVM of its own, for {@link EmbeddedStoreRestartTest}:
 * {@code write <dir> <n>} commits n rows, prints {@code COMMITTED} and waits to be killed;
 * {@code read <dir>} prints the row count and the synchronous_commit setting, and exits (stopping
 * the store as a normal shutdown does).
 */
public final class EmbeddedStoreChild {
    private EmbeddedStoreChild() {
    }

    public static void main(String[] args) throws Exception {
        Class.forName(EmbeddedPostgresDriver.class.getName());
        String url = EmbeddedPostgresDriver.PREFIX + args[1];
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            if (args[0].equals("write")) {
                s.execute("CREATE TABLE IF NOT EXISTS answered (id int PRIMARY KEY)");
                int n = Integer.parseInt(args[2]);
                for (int i = 0; i < n; i++) {
                    s.execute("INSERT INTO answered VALUES (" + i + ")");
                }
                System.out.println("COMMITTED");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            } else {
                try (ResultSet rs = s.executeQuery("SELECT count(*), current_setting('synchronous_commit') FROM answered")) {
                    rs.next();
                    System.out.println("ROWS " + rs.getLong(1) + " SYNC " + rs.getString(2));
                }
            }
        }
        System.exit(0);
    }
}
