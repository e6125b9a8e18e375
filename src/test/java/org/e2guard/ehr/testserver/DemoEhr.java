package org.e2guard.ehr.testserver;

import java.util.ArrayList;
import java.util.List;

import org.e2guard.subscription.Fixtures;
import org.hl7.fhir.r4.model.Resource;

/**
 * The demo EHR ({@code demo/ehr-demo.sh}): the test FHIR server on a fixed port, with one patient
 * ({@code Patient/demo1}, a man on testosterone and anastrozole whose latest estradiol is 14 pg/mL)
 * loaded without notifications, so that e2guard finds it by {@code Patient/$evaluate} or a push.
 */
public final class DemoEhr {
    private DemoEhr() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        MemoryFhirServer server = MemoryFhirServer.start(port);
        List<Resource> patient = new ArrayList<>(Fixtures.manOnAnastrozole("demo1"));
        patient.add(Fixtures.estradiol("demo1-e2a", "demo1", 14, 20));
        patient.forEach(server.store()::put);
        System.out.println("Demo EHR (in-memory HAPI FHIR plain server) at " + server.baseUrl() + " with Patient/demo1");
        Thread.currentThread().join();
    }
}
