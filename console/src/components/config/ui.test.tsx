import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError, DeleteButton, fieldError, otherErrors } from "./ui";

describe("the API's refusals", () => {
  it("keeps the 422 fields and finds the one inside a field", () => {
    const error = new ApiError(422, { detail: "bad", errors: [{ field: "config.headers.X-Key", message: "not ASCII" }] });
    expect(error.message).toBe("bad");
    expect(fieldError(error, "config.headers")).toBeUndefined();
    expect(fieldError(error, "config.headers", false)).toBe("X-Key: not ASCII");
    expect(otherErrors(error, (f) => f.startsWith("name"))).toEqual(["config.headers.X-Key: not ASCII"]);
    expect(new ApiError(500, null).message).toBe("the request failed (HTTP 500)");
  });

  it("says what still uses a row a delete was refused for, and keeps it", async () => {
    const onDeleted = vi.fn();
    const refused = new ApiError(409, {
      detail: "policy 'Night' is used by the routing, rule 'disk'; change those first",
      used_by: ["the routing", "rule 'disk'"],
    });
    render(
      <QueryClientProvider client={new QueryClient()}>
        <DeleteButton what="policy Night" onDelete={() => Promise.reject(refused)} onDeleted={onDeleted} />
      </QueryClientProvider>,
    );
    await userEvent.click(screen.getByRole("button", { name: "Delete" }));
    await userEvent.click(screen.getByRole("button", { name: "Yes, delete" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Still used by:");
    expect(screen.getAllByRole("listitem").map((li) => li.textContent)).toEqual(["the routing", "rule 'disk'"]);
    expect(onDeleted).not.toHaveBeenCalled();
  });
});
