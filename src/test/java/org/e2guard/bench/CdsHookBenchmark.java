package org.e2guard.bench;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.e2guard.cds.api.CdsResponse;
import org.e2guard.cds.config.CdsConfig;
import org.e2guard.cds.security.CdsJwtVerifier;
import org.e2guard.cds.security.ReplayStore;
import org.e2guard.cds.service.CardFactory;
import org.e2guard.cds.service.CdsCatalog;
import org.e2guard.cds.service.CdsService;
import org.e2guard.cds.service.FhirServerReader;
import org.e2guard.cds.service.HookCall;
import org.e2guard.cds.service.HookCallParser;
import org.e2guard.cds.service.HookService;
import org.e2guard.cds.service.IssuedCards;
import org.e2guard.cds.service.PatientDataCollector;
import org.e2guard.cds.service.SuggestionResources;
import org.e2guard.engine.Evaluation;
import org.e2guard.evaluation.EvaluationService;
import org.e2guard.evaluation.RuleStatistics;
import org.e2guard.evaluation.RulesConfig;
import org.e2guard.fhir.FhirSupport;
import org.e2guard.mapping.record.PatientGroup;
import org.e2guard.mapping.record.PatientGrouper;
import org.e2guard.mapping.record.ResourceIndex;
import org.e2guard.mapping.terminology.CodeLists;
import org.e2guard.mapping.terminology.Terminology;
import org.e2guard.mapping.terminology.ValueSetLoader;
import org.e2guard.platform.db.Jdbc;
import org.hl7.fhir.r4.model.ValueSet;

import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * One patient-view call in-process, single-threaded, without HTTP: the service's own CPU cost per
 * call and where it goes, on the payload of {@code bench/cds-load.sh} (docs/PERFORMANCE.md, "CDS
 * Hooks"). The same classes the endpoint uses, wired by hand. Usage: {@code CdsHookBenchmark
 * <request.json> [iterations=20000]}.
 */
public final class CdsHookBenchmark {
    /**
     * The JWT check alone: {@link CdsJwtVerifier} with the issuer's JWK Set served on loopback
     * (fetched once, then cached), one fresh token per call as in production.
     */
    static void jwt(String algName, int n, Clock clock) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("e2guard-jwt");
        String aud = "http://127.0.0.1/cds-services/e2guard-patient-view";
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        CdsBenchTokens.main(new String[] {dir.toString(), aud, "0", String.valueOf(n + 500), "1", algName});
        byte[] jwks = java.nio.file.Files.readAllBytes(dir.resolve("jwks.json"));
        http.createContext("/jwks.json", x -> {
            x.sendResponseHeaders(200, jwks.length);
            x.getResponseBody().write(jwks);
            x.close();
        });
        http.start();
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(CdsConfig.class)
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withDefaultValue("e2guard.cds.security.issuers.bench.issuer", CdsBenchTokens.ISSUER)
                .withDefaultValue("e2guard.cds.security.issuers.bench.jwks-url",
                        "http://127.0.0.1:" + http.getAddress().getPort() + "/jwks.json")
                .withDefaultValue("e2guard.cds.security.max-token-lifetime", "30M").build();
        // the real replay check: the shared jti table in the embedded PostgreSQL (migrated by Flyway)
        org.postgresql.ds.PGSimpleDataSource db = new org.postgresql.ds.PGSimpleDataSource();
        Class.forName(org.e2guard.platform.db.EmbeddedPostgresDriver.class.getName());
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:e2guard-embedded:")) {
            db.setURL(c.getMetaData().getURL());
            db.setUser("postgres");
        }
        org.flywaydb.core.Flyway.configure().dataSource(db).load().migrate();
        CdsConfig cdsConfig = config.getConfigMapping(CdsConfig.class);
        CdsJwtVerifier verifier = new CdsJwtVerifier(cdsConfig, clock, new ReplayStore(new Jdbc(db), cdsConfig, clock));
        List<String> tokens = java.nio.file.Files.readAllLines(dir.resolve("tokens-run-0.txt"));
        List<String> audiences = List.of(aud);
        for (int i = 0; i < 500; i++) {
            verifier.verify("Bearer " + tokens.get(n + i), audiences); // warm-up, distinct tokens
        }
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long a = System.nanoTime();
            verifier.verify("Bearer " + tokens.get(i), audiences);
            t[i] = System.nanoTime() - a;
        }
        Arrays.sort(t);
        System.out.printf("  JWT check (%s, JWK Set cached, fresh jti): median %.3f ms, p99 %.3f ms%n", algName,
                t[n / 2] / 1e6, t[n * 99 / 100] / 1e6);
        http.stop(0);
    }

    public static void main(String[] args) throws Exception {
        // as in the service: HAPI logs at WARN (left unconfigured here, it traces every element it encodes)
        System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        java.util.logging.Logger.getLogger("ca.uhn.fhir").setLevel(java.util.logging.Level.WARNING);
        byte[] body = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(args[0]));
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
        FhirContext ctx = FhirSupport.newContext();
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(RulesConfig.class).withMapping(CdsConfig.class)
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withConverter(java.time.Duration.class, 200, new DurationConverter()).build();
        RulesConfig rules = config.getConfigMapping(RulesConfig.class);
        CdsConfig cds = config.getConfigMapping(CdsConfig.class);
        Clock clock = Clock.systemUTC();
        List<ValueSet> valueSets = ValueSetLoader.load(ctx.newJsonParser(), null);
        Terminology terminology = new Terminology(new CodeLists(valueSets));
        HookCallParser parser = new HookCallParser(ctx, cds, clock);
        PatientDataCollector collector = new PatientDataCollector(parser, new FhirServerReader(ctx, cds, clock),
                terminology, clock);
        RuleStatistics statistics = RuleStatistics.metricsOnly(new SimpleMeterRegistry(), rules);
        EvaluationService evaluation = new EvaluationService(rules, terminology, statistics);
        CardFactory cards = new CardFactory(new SuggestionResources(ctx), rules, cds);
        IssuedCards issued = new IssuedCards(cds);
        HookService hooks = new HookService(parser, collector, evaluation, cards, issued, terminology, statistics);
        CdsService service = new CdsCatalog(valueSets).service("e2guard-patient-view").orElseThrow();
        ObjectMapper json = new ObjectMapper();

        // warm-up: let the JIT compile the path
        for (int i = 0; i < Math.max(2000, iterations / 5); i++) {
            json.writeValueAsBytes(hooks.call(service, body));
        }
        long[] total = new long[iterations];
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        int cardCount = 0;
        int responseBytes = 0;
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            CdsResponse r = hooks.call(service, body);
            byte[] out = json.writeValueAsBytes(r);
            total[i] = System.nanoTime() - t0;
            cardCount = r.cards().size();
            responseBytes = out.length;
        }
        long allocated = (threads.getCurrentThreadAllocatedBytes() - allocatedBefore) / iterations;
        Arrays.sort(total);
        System.out.printf("request %d bytes -> %d cards, %d bytes JSON; %.0f kB allocated per call%n", body.length,
                cardCount, responseBytes, allocated / 1024.0);
        System.out.printf("patient-view in-process (one thread): median %.3f ms, p99 %.3f ms -> %.0f calls/s per core%n",
                total[iterations / 2] / 1e6, total[iterations * 99 / 100] / 1e6, 1e9 / total[iterations / 2]);

        // where the time goes, phase by phase
        int n = Math.min(iterations, 5000);
        long[][] t = new long[5][n];
        long[] bytes = new long[5];
        for (int i = 0; i < n; i++) {
            long a = System.nanoTime();
            long a0 = threads.getCurrentThreadAllocatedBytes();
            HookCall call = parser.parse(service, body);
            PatientDataCollector.Collected data = collector.collect(call, List.of());
            long b = System.nanoTime();
            long b0 = threads.getCurrentThreadAllocatedBytes();
            ResourceIndex index = data.index();
            PatientGroup group = PatientGrouper.group(index).groups().stream()
                    .filter(g -> g.patientRef().equals(call.patientRef())).findFirst().orElseThrow();
            long c = System.nanoTime();
            long c0 = threads.getCurrentThreadAllocatedBytes();
            Evaluation e = evaluation.evaluate(group, index, call.asOf(), null, "bench");
            long d = System.nanoTime();
            long d0 = threads.getCurrentThreadAllocatedBytes();
            CdsResponse r = new CdsResponse(cards.cards(call, List.of(new CardFactory.Reviewed(e, null, null)), Set.of()));
            long f = System.nanoTime();
            long f0 = threads.getCurrentThreadAllocatedBytes();
            json.writeValueAsBytes(r);
            long g = System.nanoTime();
            long g0 = threads.getCurrentThreadAllocatedBytes();
            t[0][i] = b - a;
            t[1][i] = c - b;
            t[2][i] = d - c;
            t[3][i] = f - d;
            t[4][i] = g - f;
            bytes[0] += b0 - a0;
            bytes[1] += c0 - b0;
            bytes[2] += d0 - c0;
            bytes[3] += f0 - d0;
            bytes[4] += g0 - f0;
        }
        String[] names = {"read request + prefetch (Jackson, HAPI)", "index + group", "map + rules",
                "cards (incl. HAPI-encoded suggestions)", "response JSON"};
        for (int k = 0; k < names.length; k++) {
            Arrays.sort(t[k]);
            System.out.printf("  %-42s median %.3f ms, %4.0f kB allocated%n", names[k], t[k][n / 2] / 1e6,
                    bytes[k] / (double) n / 1024);
        }
        System.out.println(new String(json.writeValueAsBytes(hooks.call(service, body)), StandardCharsets.UTF_8)
                .contains("\"cards\"") ? "" : "no cards?");
        for (String alg : List.of("RS384", "ES384")) {
            jwt(alg, Math.min(iterations, 4000), clock);
        }
        System.exit(0);
    }
}
