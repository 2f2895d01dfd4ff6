// Shape of the generated schema table (lib/protobuf/schema.ts).

/** [proto field number, JSON name, type (proto scalar or message name), flags]. */
export type FieldDef = readonly [number, string, string, number];

/** The field is a proto `repeated` (a Go slice). */
export const F_REPEATED = 1;
/** The field is a proto map (a Go map with string keys); the type names the value. */
export const F_MAP = 2;
/** The Go field is a pointer: absent means nil, and a present zero value is meaningful. */
export const F_POINTER = 4;
/** The Go json tag has `omitempty`. */
export const F_OMITEMPTY = 8;
/** An embedded Go struct tagged `json:",inline"`: its fields appear in the parent's JSON object. */
export const F_INLINE = 16;
