import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { useShortcuts } from "./shortcuts";

function Keys({ onAck }: { onAck: () => void }) {
  useShortcuts({ a: onAck });
  return (
    <div>
      <label htmlFor="field">Note</label>
      <input id="field" />
      <label htmlFor="tick">Select</label>
      <input id="tick" type="checkbox" />
    </div>
  );
}

describe("useShortcuts", () => {
  it("runs a key's action on the page", () => {
    const onAck = vi.fn();
    render(<Keys onAck={onAck} />);
    fireEvent.keyDown(document.body, { key: "a" });
    expect(onAck).toHaveBeenCalledTimes(1);
  });

  it("does nothing while typing in a field or with a modifier", () => {
    const onAck = vi.fn();
    render(<Keys onAck={onAck} />);
    fireEvent.keyDown(screen.getByLabelText("Note"), { key: "a" });
    fireEvent.keyDown(document.body, { key: "a", ctrlKey: true });
    expect(onAck).not.toHaveBeenCalled();
  });

  it("still works from a checkbox just ticked", () => {
    const onAck = vi.fn();
    render(<Keys onAck={onAck} />);
    fireEvent.keyDown(screen.getByLabelText("Select"), { key: "a" });
    expect(onAck).toHaveBeenCalledTimes(1);
  });
});
