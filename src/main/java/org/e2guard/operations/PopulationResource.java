package org.e2guard.operations;

import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.e2guard.engine.Rule;
import org.e2guard.evaluation.EvaluateConfig;
import org.e2guard.fhir.FhirError;
import org.e2guard.fhir.FhirFormat;
import org.e2guard.fhir.FhirInput;
import org.e2guard.fhir.FhirResponses;
import org.e2guard.mapping.record.FhirTime;
import org.e2guard.population.PopulationException;
import org.e2guard.population.PopulationJob;
import org.e2guard.population.PopulationJobs;
import org.e2guard.population.PopulationRequest;
import org.e2guard.population.Setting;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Type;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;

/**
 * {@code POST /fhir/$evaluate-population}: the alert-burden dry run of a whole population given as
 * FHIR Bulk Data NDJSON files, answered with the FHIR asynchronous request pattern: {@code 202} and
 * a {@code Content-Location} to poll ({@code 202} with {@code X-Progress} while it runs, {@code 200}
 * with a Bulk Data style manifest of the NDJSON outputs when done), {@code DELETE} to cancel. The
 * population comes as NDJSON files by URL, or from a Bulk Data export e2guard runs on a configured EHR.
 */
@Path("/fhir")
public class PopulationResource {
    static final String JOBS = "population-jobs";
    static final String NDJSON = "application/fhir+ndjson";

    @Inject
    FhirContext ctx;
    @Inject
    FhirResponses responses;
    @Inject
    EvaluateConfig limits;
    @Inject
    PopulationJobs jobs;
    @Inject
    Clock clock;

    @POST
    @Path("{operation: \\$evaluate-population|%24evaluate-population}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Start a population dry run over NDJSON files (asynchronous)")
    public Response kickOff(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                            @HeaderParam(HttpHeaders.ACCEPT) String accept,
                            @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
                            @QueryParam("_format") String format, @Context UriInfo uri, InputStream body) {
        FhirFormat in = FhirFormat.of(contentType);
        FhirFormat out = FhirFormat.forResponse(format, accept, in == null ? FhirFormat.JSON : in);
        try {
            long max = limits.maxBodySize().asLongValue();
            FhirInput.checkDeclaredLength(contentLength, max);
            IBaseResource resource = FhirInput.parse(ctx, in, body, max);
            if (!(resource instanceof Parameters p)) {
                throw FhirError.invalid("Expected a Parameters resource with 'input' URLs, not " + resource.fhirType(),
                        resource.fhirType());
            }
            PopulationJob job = jobs.submit(request(p));
            return Response.accepted().header("Content-Location", statusUrl(uri, job.id())).build();
        } catch (FhirError e) {
            return responses.error(e, out);
        } catch (PopulationException e) {
            return responses.error(new FhirError(e.status(), OperationOutcome.IssueType.INVALID, e.getMessage(), null), out);
        }
    }

    @GET
    @Path(JOBS + "/{id}")
    @Operation(summary = "Poll a population dry run: 202 while it runs, 200 with its output manifest when done")
    public Response status(@PathParam("id") String id, @Context UriInfo uri) {
        PopulationJob job = jobs.job(id).orElse(null);
        if (job == null) {
            return notFound(id);
        }
        return switch (job.state()) {
            case QUEUED, RUNNING -> Response.accepted().header("X-Progress", job.progress()).header("Retry-After", "5").build();
            case FAILED -> responses.error(new FhirError(job.error().status(),
                    job.error().status() >= 500 ? OperationOutcome.IssueType.EXCEPTION : OperationOutcome.IssueType.INVALID,
                    job.error().message(), null), FhirFormat.JSON);
            case DONE -> Response.ok(manifest(job, uri).toString(), MediaType.APPLICATION_JSON).build();
        };
    }

    @DELETE
    @Path(JOBS + "/{id}")
    @Operation(summary = "Cancel a population dry run, or delete a finished one's outputs")
    public Response cancel(@PathParam("id") String id) {
        return jobs.cancel(id) ? Response.accepted().build() : notFound(id);
    }

    @GET
    @Path(JOBS + "/{id}/{type}.ndjson")
    @Operation(summary = "One NDJSON output of a finished population dry run")
    public Response output(@PathParam("id") String id, @PathParam("type") String type) {
        InputStream file = jobs.output(id, type).orElse(null);
        if (file == null) {
            return notFound(id + "/" + type);
        }
        StreamingOutput body = out -> {
            try (file) {
                file.transferTo(out);
            }
        };
        return Response.ok(body, NDJSON).build();
    }

    private ObjectNode manifest(PopulationJob job, UriInfo uri) {
        ObjectNode m = org.e2guard.population.PopulationJson.MAPPER.createObjectNode();
        m.put("transactionTime", job.finished().toString());
        m.put("request", uri.getBaseUri().resolve("fhir/$evaluate-population").toString());
        m.put("requiresAccessToken", true);
        ArrayNode output = m.putArray("output");
        ArrayNode error = m.putArray("error");
        for (PopulationJob.Output o : job.outputs()) {
            ObjectNode entry = ("OperationOutcome".equals(o.type()) ? error : output).addObject();
            entry.put("type", o.type());
            entry.put("url", statusUrl(uri, job.id()) + "/" + o.file());
            entry.put("count", o.count());
        }
        // beyond the Bulk Data manifest: the report people read
        m.putObject("extension").put("report", uri.getBaseUri().resolve("reports/population/" + job.id()).toString());
        return m;
    }

    private Response notFound(String what) {
        return responses.error(new FhirError(404, OperationOutcome.IssueType.NOTFOUND,
                "No population dry run " + what + " (unknown, cancelled or expired)", null), FhirFormat.JSON);
    }

    private static String statusUrl(UriInfo uri, String id) {
        return uri.getBaseUri().resolve("fhir/" + JOBS + "/" + id).toString();
    }

    /**
     * The request in a Parameters resource: 'input' URLs, or 'ehr' (a configured EHR to run a Bulk
     * Data export on) with an optional 'group'; 'asOf'; and 'setting' parts (name, set, off).
     */
    PopulationRequest request(Parameters p) {
        List<String> urls = new ArrayList<>();
        String ehr = null;
        String group = null;
        Instant asOf = null;
        List<Setting> settings = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (ParametersParameterComponent param : p.getParameter()) {
            switch (param.getName() == null ? "" : param.getName()) {
                case "input" -> urls.add(url(param));
                case "ehr" -> ehr = text(param, "ehr");
                case "group" -> group = text(param, "group").replaceFirst("^Group/", "");
                case "asOf" -> asOf = asOf(param.getValue());
                case "setting" -> {
                    Setting s = setting(param, settings.size() + 1);
                    if (!names.add(s.name()) || Setting.BASELINE.equals(s.name())) {
                        throw FhirError.invalid("setting name '" + s.name() + "' is used twice (or is the reserved '"
                                + Setting.BASELINE + "')", "Parameters.parameter.where(name='setting')");
                    }
                    settings.add(s);
                }
                default -> throw FhirError.invalid("Unknown parameter '" + param.getName()
                        + "'; $evaluate-population takes input, ehr, group, asOf and setting", "Parameters.parameter");
            }
        }
        if (group != null && ehr == null) {
            throw FhirError.invalid("'group' names a Group on an EHR: give the 'ehr' too", "Parameters.parameter.where(name='group')");
        }
        return new PopulationRequest(urls, ehr == null ? Optional.empty() : Optional.of(new PopulationRequest.ExportSource(ehr, group)),
                asOf == null ? clock.instant() : asOf, settings);
    }

    /** A parameter's single text value (valueString, valueCode, valueId...). */
    private static String text(ParametersParameterComponent param, String name) {
        Type v = param.getValue();
        if (v == null || !v.isPrimitive() || v.primitiveValue() == null || v.primitiveValue().isBlank()) {
            throw FhirError.invalid("'" + name + "' needs a value (valueString)", "Parameters.parameter.where(name='" + name + "')");
        }
        return v.primitiveValue().trim();
    }

    /** An input as a url/uri value, or Bulk Data $import style with a 'url' part. */
    private static String url(ParametersParameterComponent param) {
        Type v = param.getValue();
        if (v == null) {
            v = param.getPart().stream().filter(x -> "url".equals(x.getName())).map(ParametersParameterComponent::getValue)
                    .findFirst().orElse(null);
        }
        if (v == null || !v.isPrimitive() || v.primitiveValue() == null || v.primitiveValue().isBlank()) {
            throw FhirError.invalid("'input' needs a URL (valueUrl, or a part 'url')", "Parameters.parameter.where(name='input')");
        }
        return v.primitiveValue().trim();
    }

    private static Setting setting(ParametersParameterComponent param, int n) {
        String name = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        Set<Rule> off = new LinkedHashSet<>();
        String where = "Parameters.parameter.where(name='setting')[" + (n - 1) + "]";
        for (ParametersParameterComponent part : param.getPart()) {
            String value = part.getValue() == null ? null : part.getValue().primitiveValue();
            if (value == null || value.isBlank()) {
                throw FhirError.invalid("setting " + n + ": part '" + part.getName() + "' has no value", where);
            }
            switch (part.getName() == null ? "" : part.getName()) {
                case "name" -> name = value.trim();
                case "set" -> {
                    int eq = value.indexOf('=');
                    if (eq <= 0) {
                        throw FhirError.invalid("setting " + n + ": 'set' takes key=value, e.g. estradiol.suppressed-below=15, not '"
                                + value + "'", where);
                    }
                    overrides.put(value.substring(0, eq).trim(), value.substring(eq + 1).trim());
                }
                case "off" -> {
                    try {
                        off.add(Rule.byCode(value.trim()));
                    } catch (IllegalArgumentException e) {
                        throw FhirError.invalid("setting " + n + ": 'off' names no rule: '" + value + "' (a rule id such as M3,"
                                + " or its code such as VITD_CA_OVERDUE)", where);
                    }
                }
                default -> throw FhirError.invalid("setting " + n + ": unknown part '" + part.getName()
                        + "'; a setting has name, set (key=value) and off (rule)", where);
            }
        }
        if (name == null) {
            name = "setting " + n;
        }
        return new Setting(name, overrides, off);
    }

    private static Instant asOf(Type value) {
        String text = value == null ? null : value.primitiveValue();
        try {
            return FhirTime.instant(new DateTimeType(text == null ? "" : text.trim()));
        } catch (DataFormatException | IllegalArgumentException | NullPointerException e) {
            throw FhirError.invalid("asOf '" + text + "' is not a FHIR dateTime (e.g. 2026-07-01 or 2026-07-01T00:00:00Z)",
                    "Parameters.parameter.where(name='asOf')");
        }
    }
}
