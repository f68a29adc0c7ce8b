package dev.torchsd.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The machine line names the vector units a benchmark's figures depend on. */
class MachineTest {
    @Test
    void namesTheVectorUnitsAmongTheFlags() {
        Set<String> sapphireRapids = Set.of(
                "fpu",
                "avx",
                "avx2",
                "fma",
                "avx512f",
                "avx512bw",
                "avx512_bf16",
                "avx512_fp16",
                "amx_bf16",
                "amx_tile");
        assertThat(Machine.vectorUnits(sapphireRapids))
                .isEqualTo("AVX2, AVX-512, AVX-512 BF16, AVX-512 FP16, AMX-BF16");
        assertThat(Machine.vectorUnits(Set.of("fpu", "avx", "avx2", "fma"))).isEqualTo("AVX2");
        assertThat(Machine.vectorUnits(Set.of("fpu", "sse4_2"))).isEqualTo("no AVX2");
    }

    @Test
    void describesThisMachine() {
        assertThat(Machine.describe())
                .contains(Machine.vectorUnits(Machine.cpuFlags()))
                .contains(Runtime.getRuntime().availableProcessors() + " cores");
    }
}
