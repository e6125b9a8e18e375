package org.e2guard.ehr.jpa;

import java.util.ArrayList;
import java.util.List;

import org.e2guard.subscription.Fixtures;
import org.hl7.fhir.r4.model.Resource;

/**
 * The demo's patient ({@code demo/ehr-demo.sh}): files {@code Patient/demo1}, a man on testosterone
 * and anastrozole whose latest estradiol is 14 pg/mL, in the EHR at the given base URL, in one
 * transaction. Usage: {@code DemoChart <FHIR base URL>}.
 */
public final class DemoChart {
    private DemoChart() {
    }

    public static void main(String[] args) {
        List<Resource> chart = new ArrayList<>(Fixtures.manOnAnastrozole("demo1"));
        chart.add(Fixtures.estradiol("demo1-e2a", "demo1", 14, 20));
        new RealEhr(args[0]).post(chart);
        System.out.println("Patient/demo1 filed in " + args[0]);
    }
}
