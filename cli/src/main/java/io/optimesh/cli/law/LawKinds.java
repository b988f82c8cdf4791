package io.optimesh.cli.law;

import io.optimesh.v1.LawKind;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The law families by their short names on the command line. */
final class LawKinds implements ITypeConverter<LawKind> {

    static final Map<String, LawKind> BY_NAME = Map.of(
            "mpl", LawKind.LAW_KIND_MULTI_POWER,
            "power", LawKind.LAW_KIND_POWER,
            "momentum", LawKind.LAW_KIND_MOMENTUM,
            "opt-laws", LawKind.LAW_KIND_OPT_LAWS);

    static final String NAMES = "mpl, power, momentum, opt-laws";

    @Override
    public LawKind convert(String value) {
        LawKind kind = BY_NAME.get(value.toLowerCase(Locale.ROOT));
        if (kind == null) {
            throw new TypeConversionException("unknown law '" + value + "' (expected one of " + NAMES + ")");
        }
        return kind;
    }

    static String name(LawKind kind) {
        return BY_NAME.entrySet().stream().filter(e -> e.getValue() == kind).map(Map.Entry::getKey).findFirst()
                .orElse(kind.name());
    }
}
