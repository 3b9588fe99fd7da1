package camundaserverless.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import javax.xml.datatype.DatatypeFactory;

import org.junit.jupiter.api.Test;

/** The engine names the JDK's DatatypeFactory, so that Camunda's durations never search the classpath. */
class DatatypeFactoryPinTest {

  @Test
  void theJdkFactoryIsNamedAndUsed() throws Exception {
    EngineApplication.pinDatatypeFactory();
    assertEquals(DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS,
        System.getProperty(DatatypeFactory.DATATYPEFACTORY_PROPERTY));
    assertEquals(DatatypeFactory.DATATYPEFACTORY_IMPLEMENTATION_CLASS, DatatypeFactory.newInstance().getClass().getName());
  }
}
