package org.e2guard.cds.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.e2guard.cds.config.CdsConfig;
import org.e2guard.ehr.FreshReads;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.client.apache.ApacheRestfulClientFactory;
import ca.uhn.fhir.rest.client.exceptions.FhirClientConnectionException;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Reads from the EHR's FHIR server what prefetch did not supply, with HAPI's generic client and
 * the request's bearer token: bounded connect and read timeouts, one deadline for everything a
 * hook call reads, the reads of a call in parallel, and {@code next} links followed up to a page
 * bound. The client factory is this class's own (not the shared FhirContext's), so these limits
 * bind nobody else.
 */
@ApplicationScoped
public class FhirServerReader {
    private static final Logger LOG = Logger.getLogger(FhirServerReader.class);

    /** A read that failed or could not complete: the hook call is answered with 412 and this text. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    public enum Kind { READ, SEARCH, NEXT_PAGES }

    /**
     * One thing to read.
     *
     * @param label      names the read in messages ("prefetch 'estradiol'"), never patient data
     * @param url        relative to fhirServer for READ and SEARCH; the absolute next link for NEXT_PAGES
     * @param pagesSoFar pages already in hand (a paged prefetch Bundle counts as one)
     */
    public record Task(String key, String label, Kind kind, String url, int pagesSoFar) {
        public static Task read(String key, String relativeUrl) {
            return new Task(key, "prefetch '" + key + "'", Kind.READ, relativeUrl, 0);
        }

        public static Task search(String key, String relativeUrl) {
            return new Task(key, "prefetch '" + key + "'", Kind.SEARCH, relativeUrl, 0);
        }

        public static Task nextPages(String key, String nextUrl) {
            return new Task(key, "the next pages of prefetch '" + key + "'", Kind.NEXT_PAGES, nextUrl, 1);
        }
    }

    /** What one task read: the pages of a search, or the resource of a read (null when not found). */
    public record Result(Task task, List<Bundle> pages, IBaseResource resource) {
    }

    private final CdsConfig.FhirServer config;
    private final ApacheRestfulClientFactory clients;
    private final ExecutorService pool;
    private final Clock clock;

    public FhirServerReader(FhirContext ctx, CdsConfig config, Clock clock) {
        this.clock = clock;
        this.config = config.fhirServer();
        this.clients = new NoRedirectClientFactory(ctx);
        clients.setConnectTimeout(millis(this.config.connectTimeout()));
        clients.setSocketTimeout(millis(this.config.readTimeout()));
        clients.setConnectionRequestTimeout(millis(this.config.deadline()));
        clients.setServerValidationMode(ServerValidationModeEnum.NEVER);
        clients.setPoolMaxTotal(Math.max(20, this.config.threads() * 2));
        clients.setPoolMaxPerRoute(Math.max(10, this.config.threads()));
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "e2guard-cds-fhir-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.pool = new ThreadPoolExecutor(this.config.threads(), this.config.threads(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), threads);
    }

    void stop(@Observes ShutdownEvent e) {
        pool.shutdownNow();
    }

    /**
     * Runs the tasks in parallel within the configured deadline (measured from {@code started});
     * any failure fails the call.
     */
    public List<Result> readAll(String base, String token, List<Task> tasks, Instant started) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        Instant deadline = started.plus(config.deadline());
        IGenericClient client = clients.newGenericClient(base);
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        client.registerInterceptor(new FreshReads());
        CompletionService<Result> done = new ExecutorCompletionService<>(pool);
        List<Future<Result>> futures = new ArrayList<>(tasks.size());
        for (Task t : tasks) {
            futures.add(done.submit(() -> run(client, base, t)));
        }
        Map<Task, Result> byTask = new IdentityHashMap<>();
        try {
            // in completion order, so that the first failure ends the call at once
            for (int i = 0; i < tasks.size(); i++) {
                long left = Duration.between(clock.instant(), deadline).toMillis();
                Future<Result> f = done.poll(Math.max(left, 0), TimeUnit.MILLISECONDS);
                if (f == null) {
                    throw new TimeoutException();
                }
                Result r = f.get();
                byTask.put(r.task(), r);
            }
            // handed back in task order: the same request always yields the same resource order
            List<Result> out = new ArrayList<>(tasks.size());
            for (Task t : tasks) {
                out.add(byTask.get(t));
            }
            return out;
        } catch (TimeoutException e) {
            LOG.warnf("FHIR server reads exceeded the deadline of %d ms (%d reads)", config.deadline().toMillis(),
                    tasks.size());
            throw new Unavailable("The FHIR server did not answer within " + config.deadline().toMillis()
                    + " ms (e2guard.cds.fhir-server.deadline)");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Unavailable u) {
                throw u;
            }
            LOG.warnf("FHIR server read failed: %s", e.getCause().getClass().getName());
            throw new Unavailable("Reading from the FHIR server failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("Interrupted while reading from the FHIR server");
        } catch (CancellationException e) {
            throw new Unavailable("Reading from the FHIR server was cancelled");
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    private Result run(IGenericClient client, String base, Task t) {
        try {
            switch (t.kind()) {
                case READ -> {
                    IBaseResource r = client.read().resource(t.url().substring(0, t.url().indexOf('/')))
                            .withUrl(base + "/" + t.url()).execute();
                    return new Result(t, List.of(), r);
                }
                case SEARCH -> {
                    String url = base + "/" + t.url() + (t.url().contains("?") ? "&" : "?") + "_count=" + config.pageSize();
                    Bundle first = client.search().byUrl(url).returnBundle(Bundle.class).execute();
                    return new Result(t, pages(client, base, t, first, 1), null);
                }
                default -> {
                    Bundle first = nextPage(client, base, t.url(), t);
                    return new Result(t, pages(client, base, t, first, t.pagesSoFar() + 1), null);
                }
            }
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return new Result(t, List.of(), null);
        } catch (FhirClientConnectionException e) {
            // a subclass of BaseServerResponseException: caught first
            LOG.warnf("FHIR server not reachable for %s: %s", t.label(), e.getClass().getSimpleName());
            throw new Unavailable("The FHIR server could not be reached, or did not answer in time, for " + t.label());
        } catch (BaseServerResponseException e) {
            LOG.warnf("FHIR server answered %d for %s", e.getStatusCode(), t.label());
            throw new Unavailable("The FHIR server answered HTTP " + e.getStatusCode() + " for " + t.label());
        }
    }

    /** The first page and every following one, up to the page bound. */
    private List<Bundle> pages(IGenericClient client, String base, Task t, Bundle first, int used) {
        List<Bundle> pages = new ArrayList<>();
        Bundle page = first;
        pages.add(page);
        while (page.getLink(Bundle.LINK_NEXT) != null && page.getLink(Bundle.LINK_NEXT).hasUrl()) {
            if (used >= config.maxPages()) {
                throw new Unavailable("The FHIR server has more than " + config.maxPages() + " pages for " + t.label()
                        + " (e2guard.cds.fhir-server.max-pages); e2guard does not evaluate partial data");
            }
            page = nextPage(client, base, page.getLink(Bundle.LINK_NEXT).getUrl(), t);
            pages.add(page);
            used++;
        }
        return pages;
    }

    /** Follows a next link only on the same FHIR server: the bearer token must never go anywhere else. */
    private static Bundle nextPage(IGenericClient client, String base, String url, Task t) {
        if (!sameServer(base, url)) {
            throw new Unavailable("A next link of " + t.label() + " points outside fhirServer; it is not followed");
        }
        return client.loadPage().byUrl(url).andReturnBundle(Bundle.class).execute();
    }

    /** True when {@code url} is {@code base} itself or below it. */
    static boolean sameServer(String base, String url) {
        if (url == null || !url.startsWith(base)) {
            return false;
        }
        if (url.length() == base.length()) {
            return true;
        }
        char next = url.charAt(base.length());
        return next == '/' || next == '?';
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    /** Redirects are not followed: a redirect would carry the bearer token to another host. */
    private static final class NoRedirectClientFactory extends ApacheRestfulClientFactory {
        NoRedirectClientFactory(FhirContext ctx) {
            super(ctx);
        }

        @Override
        protected org.apache.http.impl.client.HttpClientBuilder getHttpClientBuilder() {
            return super.getHttpClientBuilder().disableRedirectHandling();
        }
    }
}
