package dev.muse.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import com.networknt.schema.path.PathType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tool's argument schema, compiled once, that checks arguments and explains violations in words a model can act
 * on ("argument 'n': string found, integer expected"). Schemas without {@code $schema} are read as JSON Schema
 * 2020-12 (the dialect MCP and the model APIs assume). Remote {@code $ref}s are never fetched: the validator's
 * default loader only reads its bundled meta-schemas.
 */
final class ArgumentCheck {
    private static final System.Logger LOG = System.getLogger(ArgumentCheck.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaRegistryConfig(SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()));
    /** Tool schemas come from third parties (MCP servers): one that breaks the dialect is not used to judge calls. */
    private static final Schema META_SCHEMA =
            REGISTRY.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));
    /** Enough for the model to fix its call; a flood of errors helps nobody. */
    private static final int MAX_REPORTED = 5;

    /** Accepts everything: used when a tool's schema cannot be compiled (logged once, the tool stays usable). */
    private static final ArgumentCheck NONE = new ArgumentCheck(null, null);

    private final Schema schema;
    private final List<String> knownArguments;

    private ArgumentCheck(Schema schema, List<String> knownArguments) {
        this.schema = schema;
        this.knownArguments = knownArguments;
    }

    static ArgumentCheck compile(String toolName, Map<String, Object> schemaTree) {
        try {
            JsonNode node = JSON.valueToTree(schemaTree);
            if (!node.has("$schema")) {
                List<Error> invalid = META_SCHEMA.validate(node);
                if (!invalid.isEmpty()) throw new IllegalArgumentException(invalid.getFirst().toString());
            }
            Schema s = REGISTRY.getSchema(node);
            s.initializeValidators(); // surface a broken schema now, not on the first call
            List<String> known = new ArrayList<>();
            node.path("properties").fieldNames().forEachRemaining(known::add);
            return new ArgumentCheck(s, List.copyOf(known));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING,
                    "schema of tool ''{0}'' cannot be compiled ({1}); its arguments will not be checked",
                    toolName, e.getMessage());
            return NONE;
        }
    }

    /** A message naming each wrong argument and why, or empty when the arguments fit the schema. */
    Optional<String> problems(JsonNode args) {
        if (schema == null) return Optional.empty();
        List<Error> errors;
        try {
            errors = schema.validate(args);
        } catch (RuntimeException e) {
            // a schema feature the validator cannot evaluate must not block the call
            LOG.log(System.Logger.Level.WARNING, "argument validation failed: {0}", e.getMessage());
            return Optional.empty();
        }
        if (errors.isEmpty()) return Optional.empty();
        List<String> lines = new ArrayList<>();
        for (Error e : errors) {
            if (lines.size() == MAX_REPORTED) {
                lines.add("(" + (errors.size() - MAX_REPORTED) + " more problems not shown)");
                break;
            }
            String line = describe(e);
            if (!lines.contains(line)) lines.add(line);
        }
        return Optional.of(String.join("; ", lines));
    }

    private String describe(Error e) {
        String where = path(e.getInstanceLocation());
        String keyword = e.getKeyword() == null ? "" : e.getKeyword();
        return switch (keyword) {
            case "required" -> "missing required argument '" + join(where, e.getProperty()) + "'";
            case "additionalProperties", "unevaluatedProperties" -> {
                String name = join(where, e.getProperty());
                yield where.isEmpty() && !knownArguments.isEmpty()
                        ? "unknown argument '" + name + "' (allowed: " + String.join(", ", knownArguments) + ")"
                        : "unknown argument '" + name + "'";
            }
            default -> where.isEmpty()
                    ? "arguments: " + e.getMessage()
                    : "argument '" + where + "': " + e.getMessage();
        };
    }

    private static String join(String parent, String property) {
        if (property == null) return parent;
        return parent.isEmpty() ? property : parent + "." + property;
    }

    /** {@code /items/0/name} becomes {@code items[0].name}, the way a model writes it. */
    private static String path(NodePath p) {
        if (p == null) return "";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < p.getNameCount(); i++) {
            Object el = p.getElement(i);
            if (el instanceof Integer index) {
                b.append('[').append(index).append(']');
            } else {
                if (!b.isEmpty()) b.append('.');
                b.append(el);
            }
        }
        return b.toString();
    }
}
