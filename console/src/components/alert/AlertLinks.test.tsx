import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AlertLinks } from "./AlertLinks";
import { alertLinks, safeHttpUrl } from "./links";

describe("alert links", () => {
  it("links http(s) runbook and generator URLs", () => {
    render(
      <AlertLinks
        annotations={{ runbook_url: "https://wiki.example.com/disk", generator_url: "http://prom:9090/graph?g0.expr=up" }}
      />,
    );
    expect(screen.getByRole("link", { name: "Runbook" })).toHaveAttribute("href", "https://wiki.example.com/disk");
    expect(screen.getByRole("link", { name: "Source (generator)" })).toHaveAttribute(
      "href",
      "http://prom:9090/graph?g0.expr=up",
    );
  });

  it("never links javascript:, data: or relative values", () => {
    for (const bad of ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "/relative", "wiki"]) {
      expect(safeHttpUrl(bad)).toBeNull();
    }
    const { container } = render(<AlertLinks annotations={{ runbook_url: "javascript:alert(document.cookie)" }} />);
    expect(container.querySelector("a")).toBeNull();
    expect(alertLinks({ runbook_url: "javascript:x", runbook: "https://ok.example/r" })).toEqual([
      { label: "Runbook", href: "https://ok.example/r" },
    ]);
  });
});
