/**
 * Messages of GraphQL request errors (parse, validation, variable coercion) without the values they
 * echo. graphql-js quotes the offending input ("got invalid value {"$gt": ""}", "found \"x\"",
 * "cannot represent … value: 1e100", "Value \"FOO\" does not exist …"); the contract says no error
 * message ever reveals a value, and a value sent by one caller may be personal data that ends up in
 * logs and screenshots. What remains still says which variable, argument, path and type was wrong.
 *
 * Variable coercion messages have the shape `Variable "$v" got invalid value <value>[ at "<path>"];
 * <inner>`: the value can contain anything, so the message is rebuilt from the inner error's own
 * message (Apollo keeps it as originalError), never cut out of the whole.
 */

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** An inner coercion message, reduced to known value-free shapes; anything else becomes generic. */
function innerWithoutValue(inner: string): string {
  const cannotRepresent = /^(.*? cannot represent[^:]*?)(?::.*)?$/s.exec(inner);
  if (cannotRepresent) return `${cannotRepresent[1]!.replace(/\.$/, '')}.`;
  const unknownEnum = /^Value .* does not exist in "([_A-Za-z][_0-9A-Za-z]*)" enum\./s.exec(inner);
  if (unknownEnum) return `Value does not exist in "${unknownEnum[1]}" enum.`;
  const safeShapes = [
    /^Expected type "[^"]+" to be an object\./,
    /^Field "[_A-Za-z][_0-9A-Za-z]*" of required type "[^"]+" was not provided\./,
    /^Field "[_A-Za-z][_0-9A-Za-z]*" is not defined by type "[^"]+"\./,
    /^Expected non-nullable type "[^"]+" not to be null\./,
    /^Exactly one key must be specified for OneOf type "[^"]+"\./,
  ];
  for (const shape of safeShapes) {
    const match = shape.exec(inner);
    if (match) return match[0];
  }
  return 'Invalid value.';
}

function variableMessage(message: string, inner: string | undefined): string | null {
  const head = /^Variable "(\$[_A-Za-z][_0-9A-Za-z]*)" got invalid value /.exec(message);
  if (head === null) return null;
  if (inner === undefined || !message.endsWith(`; ${inner}`)) return `Variable "${head[1]}" got invalid value.`;
  const beforeInner = message.slice(0, message.length - inner.length - 2);
  const at = / at "([^"]*)"$/.exec(beforeInner);
  return `Variable "${head[1]}" got invalid value${at ? ` at "${at[1]}"` : ''}; ${innerWithoutValue(inner)}`;
}

/** Literal values in validation messages: `found <literal>` and `cannot represent …: <literal>`. */
function literalMessage(message: string): string {
  const expected = /^(Expected value of type "[^"]+"), found .*$/s.exec(message);
  if (expected) return `${expected[1]}.`;
  const argument = /^(Argument "[^"]+" has invalid value) .*$/s.exec(message);
  if (argument) return `${argument[1]}.`;
  if (/ cannot represent /.test(message) || /^Value .* does not exist in /.test(message)) return innerWithoutValue(message);
  return message;
}

/** The message a caller sees for one of its request errors. */
export function clientMessage(message: string, inner: string | undefined, suggestions: boolean): string {
  const cleaned = variableMessage(message, inner) ?? literalMessage(message);
  return suggestions ? cleaned : cleaned.replace(SUGGESTION, '').trim();
}
