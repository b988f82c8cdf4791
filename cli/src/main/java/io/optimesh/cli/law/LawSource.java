package io.optimesh.cli.law;

import io.optimesh.cli.MeshException;
import io.optimesh.v1.FitLawRequest;
import io.optimesh.v1.FittedLaw;
import io.optimesh.v1.LawKind;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The law a command uses: a file written by {@code law fit --save}, or fitted now to curve files. */
public class LawSource {

    @Option(names = "--fitted", paramLabel = "FILE", description = "A fitted law saved by ./optimesh law fit --save.")
    Path fitted;

    @Option(names = "--fit", paramLabel = "PATH", split = ",",
            description = "Fit the law now to these curve files or directories of them (X.csv: step,lr,loss).")
    List<Path> fit;

    @Option(names = "--law", paramLabel = "KIND", defaultValue = "mpl", converter = LawKinds.class,
            description = "Law to fit with --fit: " + LawKinds.NAMES + " (default: ${DEFAULT-VALUE}).")
    LawKind kind;

    FittedLaw law(LawEndpoint endpoint) {
        if ((fitted == null) == (fit == null)) {
            throw new MeshException("give the law either as --fitted FILE or as --fit CURVES (to fit now)");
        }
        if (fitted != null) {
            return LawOutput.readLaw(fitted);
        }
        FitLawRequest request = FitLawRequest.newBuilder().setKind(kind).addAllCurves(CurveFiles.read(fit)).build();
        return endpoint.call(law -> law.fitLaw(request)).getLaw();
    }
}
