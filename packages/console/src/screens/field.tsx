/** A labelled text input of a form (the Merchants screens' forms). */
export function Field(props: {
  id: string;
  label: string;
  value: string;
  set: (value: string) => void;
  placeholder?: string;
  list?: string;
}) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        placeholder={props.placeholder}
        list={props.list}
        onInput={(e) => props.set((e.target as HTMLInputElement).value)}
      />
    </>
  );
}
