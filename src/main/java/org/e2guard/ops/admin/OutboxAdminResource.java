package org.e2guard.ops.admin;

import java.util.List;
import java.util.Map;

import org.e2guard.fhir.FhirError;
import org.e2guard.outbox.Kinds;
import org.e2guard.outbox.Outbox;
import org.e2guard.outbox.OutboxWorkers;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.r4.model.OperationOutcome;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/**
 * The outbox for operators (API key required, like everything under {@code /admin/}): list rows
 * by state, kind and EHR with paging, and put dead letters back to work, one or all. Payloads are
 * never shown (they can hold patient data); keys are the EHR's opaque patient ids. The workers of
 * the replica that answers can be paused and resumed (maintenance of an EHR, a controlled drain).
 */
@Path("/admin/outbox")
@Produces(MediaType.APPLICATION_JSON)
public class OutboxAdminResource {
    private static final int MAX_PAGE = 500;

    @Inject
    Outbox outbox;
    @Inject
    OutboxWorkers workers;

    /** This replica's workers: how many run, and whether they are paused. */
    public record Workers(int workers, boolean paused) {
    }

    public record Listing(long total, int offset, int count, List<Outbox.Row> rows) {
    }

    @GET
    @Operation(summary = "List outbox rows (state pending|dead, kind, ehr; paged by offset and count)")
    public Listing list(@QueryParam("state") String state, @QueryParam("kind") String kind, @QueryParam("ehr") String ehr,
                        @QueryParam("offset") Integer offset, @QueryParam("count") Integer count) {
        if (state != null && !state.equals(Outbox.PENDING) && !state.equals(Outbox.DEAD)) {
            throw FhirError.invalid("state must be pending or dead", "state");
        }
        if (kind != null && !Kinds.ALL.contains(kind)) {
            throw FhirError.invalid("kind must be one of " + Kinds.ALL, "kind");
        }
        int from = offset == null ? 0 : offset;
        int size = count == null ? 50 : count;
        if (from < 0 || size < 1 || size > MAX_PAGE) {
            throw FhirError.invalid("offset must be >= 0 and count between 1 and " + MAX_PAGE, "count");
        }
        Outbox.Page page = outbox.list(state, kind, ehr, from, size);
        return new Listing(page.total(), from, page.rows().size(), page.rows());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One outbox row")
    public Outbox.Row get(@PathParam("id") long id) {
        return outbox.get(id).orElseThrow(() -> new FhirError(404, OperationOutcome.IssueType.NOTFOUND,
                "No outbox row " + id, null));
    }

    @POST
    @Path("{id}/retry")
    @Operation(summary = "Put one dead letter back to work with fresh attempts")
    public Outbox.Row retry(@PathParam("id") long id) {
        Outbox.Row row = get(id);
        // answer with the row as the retry left it: re-reading it would race the workers
        return outbox.retry(id).orElseThrow(() -> new FhirError(409, OperationOutcome.IssueType.CONFLICT,
                "Outbox row " + id + " is " + row.state() + ", not a dead letter", null));
    }

    @POST
    @Path("retry-dead")
    @Operation(summary = "Put every dead letter back to work")
    public Map<String, Integer> retryAll() {
        return Map.of("retried", outbox.retryAllDead());
    }

    @GET
    @Path("workers")
    @Operation(summary = "This replica's outbox workers: how many, and whether paused")
    public Workers workers() {
        return new Workers(workers.workerCount(), workers.isPaused());
    }

    @POST
    @Path("pause")
    @Operation(summary = "This replica's workers finish the row in hand and claim nothing more (notifications are still queued)")
    public Workers pause() {
        workers.pause();
        return workers();
    }

    @POST
    @Path("resume")
    @Operation(summary = "This replica's workers claim again")
    public Workers resume() {
        workers.resume();
        return workers();
    }
}
