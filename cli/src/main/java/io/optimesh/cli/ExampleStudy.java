package io.optimesh.cli;

import java.io.PrintWriter;

/**
 * The demo's study step: a small random search over the learning rate, run by agent-coordinator on a
 * mesh that is up, returning one row per trial for the demo to print.
 */
final class ExampleStudy {

    Table run(MeshPlan plan, PrintWriter out) {
        // The coordinator's study RPCs are the next piece of the foundation; this step calls them.
        throw new MeshException("the example study needs agent-coordinator's study API, which this build does not"
                + " have yet; the mesh itself came up healthy at " + plan.address(MeshService.AGENT_COORDINATOR));
    }
}
