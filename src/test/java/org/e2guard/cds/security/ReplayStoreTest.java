package org.e2guard.cds.security;

import static io.restassured.RestAssured.given;
import static org.e2guard.cds.CdsTestSupport.sign;
import static org.e2guard.cds.CdsTestSupport.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.e2guard.cds.EhrTestServer;
import org.e2guard.cds.config.CdsConfig;
import org.e2guard.platform.FakeClock;
import org.e2guard.platform.db.Jdbc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import com.nimbusds.jose.JWSAlgorithm;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The jti replay check is shared by replicas: the service under test (its own connection pool)
 * and a second verifier built here as another replica would build it (its own JWK Set cache,
 * replay store and connections, opened with the PostgreSQL driver) run on one real PostgreSQL
 * database. A token either of them accepted is refused by the other; expired pairs are deleted.
 */
@QuarkusTest
@WithTestResource(EhrTestServer.class)
class ReplayStoreTest {
    static final String DISCOVERY = "/cds-services";

    @Inject
    DataSource db;
    @Inject
    CdsConfig config;

    /** The second replica's connections: the same database, nothing shared with the service's pool. */
    Jdbc otherReplicaDb;

    @BeforeEach
    void secondReplicaConnections() throws SQLException {
        PGSimpleDataSource own = new PGSimpleDataSource();
        try (Connection c = db.getConnection()) {
            own.setURL(c.getMetaData().getURL());
            own.setUser(c.getMetaData().getUserName());
        }
        otherReplicaDb = new Jdbc(own);
    }

    CdsJwtVerifier otherReplica(Clock clock) {
        return new CdsJwtVerifier(config, clock, new ReplayStore(otherReplicaDb, config, clock));
    }

    static String token() {
        return sign("ec-1", JWSAlgorithm.ES384, h -> {
        }, c -> c.audience(url(DISCOVERY)));
    }

    static int discovery(String token) {
        return given().header("Authorization", "Bearer " + token).get(DISCOVERY).then().extract().statusCode();
    }

    @Test
    void aTokenTheServiceAcceptedIsRefusedByAnotherReplica() throws Exception {
        String token = token();
        assertEquals(200, discovery(token), "the service accepts a fresh token");
        CdsJwtVerifier other = otherReplica(Clock.systemUTC());
        CdsJwtVerifier.Refused refused = assertThrows(CdsJwtVerifier.Refused.class,
                () -> other.verify("Bearer " + token, List.of(url(DISCOVERY))));
        assertEquals("jti replayed", refused.getMessage());
    }

    @Test
    void aTokenAnotherReplicaAcceptedIsRefusedByTheService() throws Exception {
        String token = token();
        CdsJwtVerifier.Verified v = otherReplica(Clock.systemUTC()).verify("Bearer " + token, List.of(url(DISCOVERY)));
        assertEquals(EhrTestServer.ISSUER, v.issuer());
        assertEquals(401, discovery(token), "replayed to the service");
        assertEquals(200, discovery(token()), "a fresh token still passes");
    }

    @Test
    void twoReplicasWithTheirOwnConnectionsAcceptAJtiOnce() throws Exception {
        String issuer = "https://replay-test.example/" + UUID.randomUUID();
        Instant exp = Instant.now().plusSeconds(300);
        ReplayStore a = new ReplayStore(otherReplicaDb, Duration.ofSeconds(60), Clock.systemUTC());
        ReplayStore b = new ReplayStore(new Jdbc(db), Duration.ofSeconds(60), Clock.systemUTC());
        assertTrue(a.firstUse(issuer, "jti-1", exp));
        assertFalse(b.firstUse(issuer, "jti-1", exp));
        assertFalse(a.firstUse(issuer, "jti-1", exp));
        // the pair is per issuer: another EHR may use the same jti
        assertTrue(b.firstUse(issuer + "/other", "jti-1", exp));
    }

    @Test
    void expiredPairsAreDeletedByTheCleanUpAndLivePairsKept() throws Exception {
        String issuer = "https://replay-test.example/" + UUID.randomUUID();
        FakeClock clock = FakeClock.at(Instant.now());
        Duration skew = Duration.ofSeconds(60);
        ReplayStore store = new ReplayStore(otherReplicaDb, skew, clock);
        Instant start = clock.instant();
        assertTrue(store.firstUse(issuer, "short", start.plusSeconds(300)));
        assertTrue(store.firstUse(issuer, "long", start.plusSeconds(600)));

        // within exp + skew the pair is kept, and a replay still refused
        clock.advance(Duration.ofSeconds(300 + 59));
        store.cleanUp();
        assertTrue(stored(issuer, "short"));
        assertFalse(store.firstUse(issuer, "short", start.plusSeconds(300)));

        clock.advance(Duration.ofSeconds(2));
        store.cleanUp();
        assertFalse(stored(issuer, "short"), "expired plus skew: deleted");
        assertTrue(stored(issuer, "long"), "still valid: kept");

        clock.advance(Duration.ofSeconds(300));
        assertNotEquals(0, store.deleteExpired());
        assertFalse(stored(issuer, "long"));
    }

    @Test
    void anExpiredPairNotYetCleanedUpDoesNotBlockANewToken() throws Exception {
        String issuer = "https://replay-test.example/" + UUID.randomUUID();
        FakeClock clock = FakeClock.at(Instant.now());
        ReplayStore store = new ReplayStore(otherReplicaDb, Duration.ofSeconds(60), clock);
        assertTrue(store.firstUse(issuer, "reused", clock.instant().plusSeconds(300)));
        clock.advance(Duration.ofSeconds(400));
        assertTrue(store.firstUse(issuer, "reused", clock.instant().plusSeconds(300)), "the old token is long expired");
        assertFalse(store.firstUse(issuer, "reused", clock.instant().plusSeconds(300)), "the new one is remembered");
    }

    @Test
    void anUnreachableStoreIsUnavailableNotAFirstUse() {
        PGSimpleDataSource nowhere = new PGSimpleDataSource();
        nowhere.setURL("jdbc:postgresql://127.0.0.1:9/none");
        nowhere.setConnectTimeout(1);
        ReplayStore store = new ReplayStore(new Jdbc(nowhere), Duration.ofSeconds(60), Clock.systemUTC());
        assertThrows(ReplayStore.Unavailable.class, () -> store.firstUse("iss", "jti", Instant.now().plusSeconds(60)));
    }

    boolean stored(String issuer, String jti) {
        return new Jdbc(db).one("SELECT count(*) FROM cds_jti WHERE key = ?", rs -> rs.getInt(1),
                ReplayStore.key(issuer, jti)) == 1;
    }
}
