package camundaserverless.engine.pubsub;

/** Short one-line texts of answers for exception messages and log lines. */
final class Texts {

  private Texts() {
  }

  /** The text on one line, cut to {@code max} characters with "...". */
  static String shorten(String text, int max) {
    String oneLine = text == null ? "" : text.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= max ? oneLine : oneLine.substring(0, max) + "...";
  }
}
