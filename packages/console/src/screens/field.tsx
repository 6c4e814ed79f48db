/**
 * A labelled text input of a form. The label and its input are one box, so a row of fields
 * wraps between fields, never between a label and its input.
 */
export function Field(props: {
  id: string;
  label: string;
  value: string;
  set: (value: string) => void;
  placeholder?: string;
  list?: string;
}) {
  return (
    <span class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        placeholder={props.placeholder}
        list={props.list}
        onInput={(e) => props.set((e.target as HTMLInputElement).value)}
      />
    </span>
  );
}
