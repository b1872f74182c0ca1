import { alertLinks } from "./links";

/** The alert's runbook and generator links (http(s) only), above the fold where a responder looks first. */
export function AlertLinks({ annotations }: { annotations: Record<string, string> }) {
  const links = alertLinks(annotations);
  if (!links.length) return null;
  return (
    <ul className="mt-1 flex flex-wrap gap-x-4 gap-y-1 text-sm" aria-label="Alert links">
      {links.map((link) => (
        <li key={link.label}>
          <a href={link.href} rel="noopener noreferrer" className="text-blue-700 underline dark:text-blue-300">
            {link.label}
          </a>
        </li>
      ))}
    </ul>
  );
}
