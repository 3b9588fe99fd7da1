package camundaserverless.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * REST_CALLERS: which identity may call which REST paths, with REST_AUTH=google. Entries are separated by
 * {@code ;}, each {@code <email>=<permission>[,<permission>...]}; a permission is {@code <METHOD> <path>}
 * (an exact path, or a path ending in {@code /*} for everything below it) or {@code *} for everything.
 * Emails compare case-insensitively; an email named twice gets the permissions of both entries.
 */
final class RestCallers {

  /** What a value must look like, for the fix in an error message. */
  static final String FORMAT = "<email>=<METHOD> <path>[,<METHOD> <path>...] entries separated by ';' "
      + "(a path may end in /*, and * allows everything), e.g. "
      + "echo-fn@p.iam.gserviceaccount.com=POST /engine-rest/message;ops@example.com=*";

  /** The REST API's root: every permission's path lies under it (the filter guards nothing else). */
  static final String REST_ROOT = "/engine-rest";

  private static final Pattern EMAIL = Pattern.compile("[^\\s=;,@]+@[^\\s=;,@]+");
  private static final Pattern METHOD = Pattern.compile("[A-Z]+");
  private static final Pattern PATH = Pattern.compile(Pattern.quote(REST_ROOT) + "(?:/[^\\s,;*/]+)*(?:/\\*)?");

  /** One permission: a method and a path (exact or a prefix), or everything. */
  record Permission(String method, String path, boolean prefix) {
    static final Permission EVERYTHING = new Permission("*", "*", true);

    boolean allows(String requestMethod, String requestPath) {
      if (this == EVERYTHING) return true;
      if (!method.equals(requestMethod)) return false;
      if (!prefix) return path.equals(requestPath);
      return requestPath.equals(path) || requestPath.startsWith(path + "/");
    }

    @Override
    public String toString() {
      return this == EVERYTHING ? "*" : method + " " + path + (prefix ? "/*" : "");
    }
  }

  /** Permissions by lower-case email. */
  private final Map<String, List<Permission>> byEmail;

  private RestCallers(Map<String, List<Permission>> byEmail) {
    this.byEmail = byEmail;
  }

  /** Parses a REST_CALLERS value; the exception's message says what is wrong, without the fix. */
  static RestCallers parse(String value) {
    Map<String, List<Permission>> byEmail = new LinkedHashMap<>();
    for (String entry : value.split(";", -1)) {
      String trimmed = entry.trim();
      if (trimmed.isEmpty()) throw new IllegalArgumentException("it has an empty entry");
      int equals = trimmed.indexOf('=');
      if (equals < 0) throw new IllegalArgumentException("entry '" + trimmed + "' has no '='");
      String email = trimmed.substring(0, equals).trim();
      if (!EMAIL.matcher(email).matches()) {
        throw new IllegalArgumentException("'" + email + "' is not an email");
      }
      List<Permission> permissions = byEmail.computeIfAbsent(email.toLowerCase(Locale.ROOT), e -> new ArrayList<>());
      for (String permission : trimmed.substring(equals + 1).split(",", -1)) {
        permissions.add(permission(permission.trim()));
      }
    }
    return new RestCallers(byEmail);
  }

  private static Permission permission(String text) {
    if (text.equals("*")) return Permission.EVERYTHING;
    String[] parts = text.split("\\s+");
    if (parts.length != 2 || !METHOD.matcher(parts[0]).matches()) {
      throw new IllegalArgumentException("permission '" + text + "' is not '<METHOD> <path>' or '*'");
    }
    String path = parts[1];
    if (!PATH.matcher(path).matches()) {
      throw new IllegalArgumentException("path '" + path + "' does not lie under " + REST_ROOT
          + " (a '*' may only end it, as /*)");
    }
    boolean prefix = path.endsWith("/*");
    return new Permission(parts[0], prefix ? path.substring(0, path.length() - 2) : path, prefix);
  }

  /**
   * Whether the email may call the method on the path. The path is the servlet container's decoded,
   * normalised one; a trailing slash does not change what it names (JAX-RS matches it the same).
   */
  boolean allows(String email, String method, String path) {
    List<Permission> permissions = byEmail.get(email.toLowerCase(Locale.ROOT));
    if (permissions == null) return false;
    String normalised = path.length() > 1 ? path.replaceAll("/+$", "") : path;
    return permissions.stream().anyMatch(permission -> permission.allows(method, normalised));
  }

  /** Whether the email is a caller at all (for the reason of a refusal). */
  boolean knows(String email) {
    return byEmail.containsKey(email.toLowerCase(Locale.ROOT));
  }

  /** The callers and their permissions, for the start-up log (no secrets in it). */
  @Override
  public String toString() {
    List<String> entries = new ArrayList<>();
    byEmail.forEach((email, permissions) -> entries.add(email + "=" + String.join(",",
        permissions.stream().map(Permission::toString).toList())));
    return String.join(";", entries);
  }

  /** The emails, in the order first given. */
  List<String> emails() {
    return Collections.unmodifiableList(new ArrayList<>(byEmail.keySet()));
  }
}
