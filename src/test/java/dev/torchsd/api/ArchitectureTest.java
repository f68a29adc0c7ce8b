package dev.torchsd.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code: packages depend on each other in one direction only, and the public API
 * (the packages {@code module-info.java} exports) speaks only of its own types, the JDK's and
 * libtorch's (tensors are what a listener looks at; the module requires libtorch's presets transitively).
 */
class ArchitectureTest {
    static final Path MAIN = Path.of("src/main/java");
    static final Set<String> API =
            Set.of("dev.torchsd", "dev.torchsd.pipeline", "dev.torchsd.runtime", "dev.torchsd.error");
    private static final Pattern REFERENCE = Pattern.compile("\\b(dev\\.torchsd(?:\\.[a-z]+)*)\\.[A-Z]");

    /** Package → the project's packages its main sources name (imports and fully qualified names). */
    static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file);
                Matcher pkg = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE)
                        .matcher(text);
                if (!pkg.find()) {
                    continue; // module-info.java
                }
                Set<String> uses = graph.computeIfAbsent(pkg.group(1), k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(withoutComments(text));
                while (m.find()) {
                    if (!m.group(1).equals(pkg.group(1))) {
                        uses.add(m.group(1));
                    }
                }
            }
        }
        return graph;
    }

    private static String withoutComments(String code) {
        return code.replaceAll("(?s)/\\*.*?\\*/|//[^\\n]*", "");
    }

    @Test
    void packagesHaveNoCycles() throws IOException {
        Map<String, Set<String>> graph = dependencies();
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            findCycle(graph, start, new ArrayList<>(List.of(start)), cycles);
        }
        assertThat(cycles).as("package cycles").isEmpty();
    }

    private static void findCycle(Map<String, Set<String>> graph, String at, List<String> path, List<String> cycles) {
        for (String next : graph.getOrDefault(at, Set.of())) {
            if (next.equals(path.get(0))) {
                cycles.add(String.join(" -> ", path) + " -> " + next);
            } else if (!path.contains(next) && next.compareTo(path.get(0)) > 0) {
                path.add(next);
                findCycle(graph, next, path, cycles);
                path.remove(path.size() - 1);
            }
        }
    }

    @Test
    void theModuleExportsTheApiPackagesOnly() throws IOException {
        String descriptor = Files.readString(MAIN.resolve("module-info.java"));
        Set<String> exported = new TreeSet<>();
        Matcher m = Pattern.compile("\\bexports ([\\w.]+);").matcher(descriptor);
        while (m.find()) {
            exported.add(m.group(1));
        }
        assertThat(exported).isEqualTo(new TreeSet<>(API));
    }

    /** The server is an application of the library: it reaches torchsd through the exported packages only. */
    @Test
    void theServerIsAClientOfThePublicApi() throws IOException {
        assertThat(dependencies().get("dev.torchsd.server"))
                .as("the project's packages dev.torchsd.server names")
                .isSubsetOf(API);
    }

    /**
     * picocli and the progress bar are optional dependencies (pom.xml), absent from an embedding
     * application: only the command line may name them.
     */
    @Test
    void onlyTheCommandLineNamesItsOptionalLibraries() throws IOException {
        Pattern optional = Pattern.compile("\\b(picocli|me\\.tongfei|org\\.jline)\\.");
        Path cli = MAIN.resolve("dev/torchsd/cli");
        List<String> users = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.startsWith(cli))
                    .toList()) {
                if (!file.endsWith("module-info.java")
                        && optional.matcher(withoutComments(Files.readString(file)))
                                .find()) {
                    users.add(MAIN.relativize(file).toString());
                }
            }
        }
        assertThat(users)
                .as("main sources outside dev.torchsd.cli that use picocli, the progress bar or jline")
                .isEmpty();
    }

    /** Every public signature of an API type names API types, JDK types or libtorch's types only. */
    @Test
    void theApiSpeaksOfItsOwnTypesOnly() throws Exception {
        List<String> leaks = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(file.getParent()).toString().replace('/', '.');
                String name = file.getFileName().toString().replace(".java", "");
                if (!API.contains(pkg) || name.equals("module-info")) {
                    continue;
                }
                Class<?> type = Class.forName(pkg + "." + name);
                if (!Modifier.isPublic(type.getModifiers())) {
                    continue;
                }
                for (Method method : type.getMethods()) {
                    if (method.getDeclaringClass() != type
                            && !API.contains(method.getDeclaringClass().getPackageName())) {
                        continue;
                    }
                    check(leaks, type, method.getName(), method.getGenericReturnType());
                    for (Type p : method.getGenericParameterTypes()) {
                        check(leaks, type, method.getName(), p);
                    }
                }
                for (var constructor : type.getConstructors()) {
                    for (Type p : constructor.getGenericParameterTypes()) {
                        check(leaks, type, "<init>", p);
                    }
                }
            }
        }
        assertThat(leaks).as("API signatures naming internal types").isEmpty();
    }

    private static void check(List<String> leaks, Class<?> owner, String member, Type type) {
        if (type instanceof ParameterizedType p) {
            check(leaks, owner, member, p.getRawType());
            for (Type argument : p.getActualTypeArguments()) {
                check(leaks, owner, member, argument);
            }
        } else if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            String pkg = c.getPackageName();
            boolean allowed = c.isPrimitive()
                    || pkg.startsWith("java.")
                    || pkg.startsWith("javax.")
                    || API.contains(pkg)
                    || pkg.equals("org.bytedeco.pytorch");
            if (!allowed) {
                leaks.add(owner.getSimpleName() + "." + member + ": " + c.getName());
            }
        }
    }
}
