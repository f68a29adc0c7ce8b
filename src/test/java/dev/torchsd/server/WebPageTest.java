package dev.torchsd.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.torchsd.lora.KohyaModules;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page end to end in headless Chromium (Debian's chromium and chromium-driver, which .ci/run
 * installs): type a prompt, generate, see the image and its infotext, use the settings again,
 * interrupt a long job and get its partial image; upload an image, paint a mask, inpaint and see the
 * trace sheet; pick a LoRA and an embedding. Skipped where Chromium or its driver is absent.
 */
class WebPageTest {
    static final Path SCENE = Path.of("src/test/resources/fixtures/scenes/scene-43.png");

    @TempDir
    Path profile;

    @TempDir
    Path folders;

    TorchsdServer server;
    ChromeDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void open() throws Exception {
        Optional<Path> chromium = onPath("chromium");
        Optional<Path> driver = onPath("chromedriver");
        assumeTrue(
                chromium.isPresent() && driver.isPresent(),
                "needs chromium and chromedriver on the PATH (apt-get install chromium chromium-driver)");
        Path loras = Files.createDirectories(folders.resolve("loras"));
        new KohyaModules(11)
                .linear(KohyaModules.TE_Q, KohyaModules.TE_Q_SIZE, KohyaModules.TE_Q_SIZE, 4)
                .write(loras.resolve("star.safetensors"));
        Path embeddings = Files.createDirectories(folders.resolve("embeddings"));
        Files.copy(
                Path.of("src/test/resources/embeddings/tiny_negative_fp16.safetensors"),
                embeddings.resolve("tiny_negative.safetensors"));
        server = TorchsdServer.start(
                ServerSettings.defaults().withPort(0).withLoraDir(loras).withEmbeddingDir(embeddings));
        ChromeOptions options = new ChromeOptions().setBinary(chromium.get().toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.get().toFile())
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        browser.get("http://127.0.0.1:" + server.port() + "/");
        wait.until(b ->
                new Select(b.findElement(By.id("sampler_name"))).getOptions().size() > 5);
    }

    @AfterEach
    void close() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void generatesShowsTheInfotextAndUsesTheSettingsAgain() {
        assertThat(browser.findElement(By.id("model")).getText()).isEqualTo("torchsd-shapes");
        type("prompt", "a large yellow triangle on the left, blue background");
        type("negative_prompt", "red");
        type("steps", "8");
        type("seed", "42");
        type("negative_start", "0.25");
        new Select(browser.findElement(By.id("sampler_name"))).selectByVisibleText("Euler a");
        browser.findElement(By.id("generate")).click();
        WebElement figure = wait.until(b -> b.findElements(By.cssSelector("#gallery figure")).stream()
                .findFirst()
                .orElse(null));
        String infotext = figure.findElement(By.className("infotext")).getText();
        assertThat(infotext)
                .startsWith("a large yellow triangle on the left, blue background\nNegative prompt: red\n")
                .contains("Steps: 8,", "Sampler: Euler a,", "Seed: 42,", "Negative start: 0.25");
        WebElement image = figure.findElement(By.tagName("img"));
        assertThat(image.getAttribute("src")).startsWith("data:image/png;base64,");
        assertThat(((Number) browser.executeScript("return arguments[0].naturalWidth", image)).intValue())
                .isEqualTo(64);
        assertThat(browser.findElement(By.id("error")).getText()).isEmpty();

        type("prompt", "something else");
        type("seed", "-1");
        figure.findElement(By.className("again")).click();
        assertThat(browser.findElement(By.id("prompt")).getAttribute("value"))
                .isEqualTo("a large yellow triangle on the left, blue background");
        assertThat(browser.findElement(By.id("seed")).getAttribute("value")).isEqualTo("42");
        assertThat(browser.findElement(By.id("negative_start")).getAttribute("value"))
                .isEqualTo("0.25");
    }

    @Test
    void showsLiveProgressAndInterruptsALongJob() {
        type("prompt", "a small green circle");
        type("steps", "150");
        type("batch_size", "4");
        new Select(browser.findElement(By.id("sampler_name"))).selectByVisibleText("Euler"); // one U-Net call per step
        browser.findElement(By.id("generate")).click();
        wait.until(b -> b.findElement(By.id("preview")).isDisplayed());
        assertThat(browser.findElement(By.id("textinfo")).getText()).contains("of 150");
        browser.findElement(By.id("interrupt")).click();
        List<WebElement> figures = wait.until(b -> {
            List<WebElement> f = b.findElements(By.cssSelector("#gallery figure"));
            return f.isEmpty() ? null : f;
        });
        assertThat(figures).hasSize(4); // the batch's four images, decoded at the step it was interrupted at
        assertThat(figures.get(0).findElement(By.className("infotext")).getText())
                .contains("Steps: 150,", "Batch size: 4");
        assertThat(browser.findElement(By.id("generate")).isEnabled()).isTrue();
    }

    @Test
    void paintsAMaskInpaintsAndShowsTheTraceSheet() {
        type("prompt", "a large green square on the right, white background");
        type("steps", "8");
        type("seed", "3");
        new Select(browser.findElement(By.id("sampler_name"))).selectByVisibleText("Euler");
        browser.findElement(By.id("init_image")).sendKeys(SCENE.toAbsolutePath().toString());
        WebElement canvas = wait.until(b -> {
            WebElement c = b.findElement(By.id("mask"));
            return c.isDisplayed() && c.getSize().getWidth() > 0 ? c : null;
        });
        assertThat(browser.findElement(By.id("width")).getAttribute("value")).isEqualTo("64");
        assertThat(browser.findElement(By.id("clear_mask")).isEnabled()).isFalse();
        int w = canvas.getSize().getWidth();
        new Actions(browser) // a stroke across the right half (offsets from the canvas's centre)
                .moveToElement(canvas, w / 8, -w / 4)
                .clickAndHold()
                .moveByOffset(w / 4, w / 2)
                .release()
                .perform();
        assertThat(browser.findElement(By.id("clear_mask")).isEnabled()).isTrue();
        browser.findElement(By.id("trace")).click();
        browser.findElement(By.id("generate")).click();
        WebElement figure = wait.until(b -> b.findElements(By.cssSelector("#gallery figure")).stream()
                .findFirst()
                .orElse(null));
        assertThat(browser.findElement(By.id("error")).getText()).isEmpty();
        assertThat(figure.findElement(By.className("infotext")).getText())
                .startsWith("a large green square on the right, white background\n")
                .contains("Steps: 8,", "Seed: 3,", "Denoising strength: 0.75", "Mask blur: 4");
        WebElement image = figure.findElement(By.tagName("img"));
        assertThat(((Number) browser.executeScript("return arguments[0].naturalWidth", image)).intValue())
                .isEqualTo(64);
        // AUTOMATIC1111's step count: int(0.75 * 8) + 1 = 7 U-Net calls, each with its x0
        List<WebElement> calls = figure.findElements(By.cssSelector(".trace figure.call"));
        assertThat(calls).hasSize(7);
        assertThat(calls.get(0).findElement(By.tagName("img")).getAttribute("src"))
                .startsWith("data:image/png;base64,");
        assertThat(calls.get(0).findElement(By.tagName("figcaption")).getText()).matches("\\d+ · t \\d+( · neg)?");
    }

    @Test
    void picksALoraAndAnEmbeddingIntoThePrompt() {
        type("prompt", "a large blue circle");
        type("steps", "4");
        new Select(browser.findElement(By.id("lora_picker"))).selectByVisibleText("star");
        browser.findElement(By.id("add_lora")).click();
        new Select(browser.findElement(By.id("embedding_picker"))).selectByVisibleText("tiny_negative");
        browser.findElement(By.id("add_embedding")).click();
        assertThat(browser.findElement(By.id("prompt")).getAttribute("value"))
                .isEqualTo("a large blue circle <lora:star:1> tiny_negative");
        browser.findElement(By.id("generate")).click();
        WebElement figure = wait.until(b -> b.findElements(By.cssSelector("#gallery figure")).stream()
                .findFirst()
                .orElse(null));
        assertThat(figure.findElement(By.className("infotext")).getText())
                .startsWith("a large blue circle <lora:star:1> tiny_negative\n")
                .contains("Lora hashes: \"star: ");
        assertThat(figure.findElements(By.cssSelector(".trace"))).isEmpty();
    }

    private void type(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
