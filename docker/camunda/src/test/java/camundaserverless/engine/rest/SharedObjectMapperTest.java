package camundaserverless.engine.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.camunda.bpm.engine.rest.dto.message.CorrelationMessageDto;
import org.camunda.bpm.engine.rest.mapper.JacksonConfigurator;
import org.junit.jupiter.api.Test;

/** The REST API's one mapper writes and reads as Camunda's per-call mapper does. */
class SharedObjectMapperTest {

  private final SharedObjectMapper resolver = new SharedObjectMapper();
  private final ObjectMapper camundas = new JacksonConfigurator().getContext(Object.class);

  @Test
  void everyCallGetsTheSameMapper() {
    assertSame(resolver.getContext(CorrelationMessageDto.class), resolver.getContext(Object.class));
  }

  @Test
  void datesAndInstantsAreWrittenInCamundasFormat() throws Exception {
    Map<String, Object> value = Map.of("date", new Date(1_764_669_600_000L), "instant", Instant.parse("2026-12-02T10:00:00Z"));
    String written = resolver.getContext(Object.class).writeValueAsString(value);

    assertEquals(camundas.writeValueAsString(value), written);
    assertEquals(camundas.writeValueAsString(new Date(1_764_669_600_000L)),
        resolver.getContext(Object.class).writeValueAsString(new Date(1_764_669_600_000L)));
  }

  @Test
  void unknownPropertiesAreIgnoredAsCamundaIgnoresThem() throws Exception {
    CorrelationMessageDto read = resolver.getContext(CorrelationMessageDto.class)
        .readValue("{\"messageName\":\"PushTaskReply\",\"notAField\":1}", CorrelationMessageDto.class);
    assertEquals("PushTaskReply", read.getMessageName());
  }

  /** SimpleDateFormat is not thread-safe; Jackson copies it for every use, so a shared mapper stays exact. */
  @Test
  void datesWrittenFromManyThreadsAtOnceAreAllExact() throws Exception {
    ObjectMapper mapper = resolver.getContext(Object.class);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      var writes = IntStream.range(0, 2_000).mapToObj(i -> (Callable<String[]>) () -> {
        Date date = new Date(1_700_000_000_000L + i * 86_400_123L);
        return new String[] {camundas.copy().writeValueAsString(date), mapper.writeValueAsString(date)};
      }).toList();
      for (Future<String[]> write : threads.invokeAll(writes)) {
        assertEquals(write.get()[0], write.get()[1]);
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
