import { useId, type ReactNode } from "react";

/**
 * One chart with its text alternative: a caption in words and the numbers as a table behind a native
 * disclosure (keyboard and screen readers get the same data as the picture).
 */
export function Figure({
  title,
  caption,
  table,
  children,
}: {
  title: string;
  caption: string;
  table: ReactNode;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <figure aria-labelledby={`${id}-title`} className="rounded border border-slate-200 p-3 dark:border-slate-800">
      <h2 id={`${id}-title`} className="text-base font-semibold">
        {title}
      </h2>
      <figcaption className="mb-2 text-sm text-slate-600 dark:text-slate-400">{caption}</figcaption>
      <div className="h-64 w-full text-slate-700 dark:text-slate-300">{children}</div>
      <details className="mt-2 text-sm">
        <summary className="cursor-pointer">Table: {title}</summary>
        <div className="overflow-x-auto" tabIndex={0} role="region" aria-label={`${title} (table)`}>
          {table}
        </div>
      </details>
    </figure>
  );
}

export const TABLE = "mt-1 min-w-full text-left text-sm [&_td]:pr-3 [&_th]:pr-3 [&_th]:font-medium";
