"""The exporter's modules import in one direction: each imports alone in a fresh interpreter, the
package's own imports sit at module level (none hidden in a function to dodge a cycle) and form no cycle."""
import ast
import os
import subprocess
import sys
import unittest

NATIVE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PACKAGE = os.path.join(NATIVE, "torchsd_export")
MODULES = sorted(f[:-3] for f in os.listdir(PACKAGE) if f.endswith(".py") and f != "__init__.py")


def parse(module):
    with open(os.path.join(PACKAGE, module + ".py"), encoding="utf-8") as f:
        return ast.parse(f.read(), module + ".py")


def package_imports(node):
    """The package's modules that an import statement names (from . import x / from .x import y)."""
    if isinstance(node, ast.ImportFrom) and node.level == 1:
        return [node.module] if node.module else [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("torchsd_export"):
        return [node.module.split(".")[1]] if "." in node.module else [alias.name for alias in node.names]
    if isinstance(node, ast.Import):
        return [a.name.split(".")[1] for a in node.names if a.name.startswith("torchsd_export.")]
    return []


class ImportTest(unittest.TestCase):
    def test_the_package_has_the_modules_this_test_walks(self):
        self.assertIn("cli", MODULES)
        self.assertIn("model_folder", MODULES)

    def test_each_module_imports_alone_in_a_fresh_interpreter(self):
        env = dict(os.environ, PYTHONPATH=NATIVE)
        for module in MODULES:
            with self.subTest(module=module):
                run = subprocess.run([sys.executable, "-c", f"import torchsd_export.{module}"], env=env,
                                     capture_output=True, text=True)
                self.assertEqual(run.returncode, 0, f"import torchsd_export.{module}:\n{run.stderr}")

    def test_package_imports_are_at_module_level(self):
        for module in MODULES:
            tree = parse(module)
            top = set(map(id, tree.body))
            late = [f"line {n.lineno}: {', '.join(package_imports(n))}" for n in ast.walk(tree)
                    if package_imports(n) and id(n) not in top]
            self.assertEqual(late, [], f"{module}.py imports the package's modules inside a function")

    def test_package_imports_form_no_cycle(self):
        graph = {m: {d for n in ast.walk(parse(m)) for d in package_imports(n)} for m in MODULES}
        for module, deps in graph.items():
            self.assertLessEqual(deps, set(MODULES), f"{module}.py imports modules that do not exist")
        done, path = set(), []

        def visit(module):
            if module in path:
                self.fail("import cycle: " + " -> ".join(path[path.index(module):] + [module]))
            if module in done:
                return
            path.append(module)
            for dep in sorted(graph[module]):
                visit(dep)
            path.pop()
            done.add(module)

        for module in MODULES:
            visit(module)
        self.assertFalse(any("cli" in deps for deps in graph.values()), "a library module imports the command line")


if __name__ == "__main__":
    unittest.main()
