// Templates: the words of notifications per channel type — list, detail, create/edit with a live preview, delete.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, Route, Routes, useNavigate, useParams } from "react-router-dom";
import { api, type SessionOut } from "../api/client";
import { canConfigure } from "../components/config/common";
import { DeleteButton, LINK, Loaded, MUTED, must, mustOk, PageTitle, PRIMARY, BUTTON } from "../components/config/ui";
import { EMPTY_TEMPLATE, TEMPLATES_KEY, TemplateForm, type TemplateOut } from "./templates/TemplateForm";

function useTemplates() {
  return useQuery({
    queryKey: TEMPLATES_KEY,
    queryFn: async () => must(await api.GET("/api/v1/templates")),
  });
}

function useTemplate(id: string) {
  return useQuery({
    queryKey: [...TEMPLATES_KEY, id],
    queryFn: async () => must(await api.GET("/api/v1/templates/{template_id}", { params: { path: { template_id: id } } })),
  });
}

function narrowing(t: TemplateOut): string {
  const parts = [
    t.events?.length ? t.events.join(", ") : "every event",
    t.severities?.length ? t.severities.join(", ") : "any severity",
    t.categories?.length ? t.categories.join(", ") : "any category",
  ];
  return parts.join(" · ");
}

function TemplateList({ session }: { session: SessionOut }) {
  const templates = useTemplates();
  return (
    <>
      <PageTitle
        actions={
          canConfigure(session) && (
            <Link to="new" className={PRIMARY}>
              New template
            </Link>
          )
        }
      >
        Templates
      </PageTitle>
      <p className={`${MUTED} mb-3`}>
        The words of notifications, per channel type; the most specific template matching an event is used, else the
        built-in text.
      </p>
      <Loaded query={templates}>
        {(list) =>
          list.length === 0 ? (
            <p className={MUTED}>No templates: every channel uses the built-in text.</p>
          ) : (
            <ul className="divide-y divide-slate-200 dark:divide-slate-800">
              {list.map((t) => (
                <li key={t.id} className="flex flex-col py-2 sm:flex-row sm:items-baseline sm:gap-3">
                  <Link to={t.id} className={`${LINK} font-medium break-words`}>
                    {t.name}
                  </Link>
                  <span className="text-sm">{t.channel_type}</span>
                  <span className={`${MUTED} break-words`}>{narrowing(t)}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </>
  );
}

function TemplateDetail({ session }: { session: SessionOut }) {
  const { templateId = "" } = useParams();
  const template = useTemplate(templateId);
  const navigate = useNavigate();
  const client = useQueryClient();
  return (
    <Loaded query={template}>
      {(t) => (
        <article className="max-w-3xl">
          <p className="text-sm">
            <Link to=".." relative="path" className={LINK}>
              Templates
            </Link>
          </p>
          <PageTitle
            actions={
              canConfigure(session) && (
                <Link to="edit" className={BUTTON}>
                  Edit
                </Link>
              )
            }
          >
            {t.name}
          </PageTitle>
          {t.description && <p className="mb-2 text-sm">{t.description}</p>}
          <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-sm">
            <dt className="font-medium">Channel type</dt>
            <dd>{t.channel_type}</dd>
            <dt className="font-medium">Used for</dt>
            <dd className="break-words">{narrowing(t)}</dd>
          </dl>
          <h2 className="mt-4 text-base font-semibold">Subject</h2>
          <pre className="font-mono text-sm break-words whitespace-pre-wrap">{t.subject}</pre>
          <h2 className="mt-4 text-base font-semibold">Body</h2>
          <pre className="font-mono text-sm break-words whitespace-pre-wrap">{t.body}</pre>
          {t.body_html && (
            <>
              <h2 className="mt-4 text-base font-semibold">HTML body</h2>
              <pre className="font-mono text-sm break-words whitespace-pre-wrap">{t.body_html}</pre>
            </>
          )}
          {canConfigure(session) && (
            <div className="mt-6">
              <DeleteButton
                what={`template ${t.name}`}
                onDelete={async () =>
                  mustOk(await api.DELETE("/api/v1/templates/{template_id}", { params: { path: { template_id: t.id } } }))
                }
                onDeleted={() => {
                  void client.invalidateQueries({ queryKey: TEMPLATES_KEY });
                  navigate("/dashboard/templates");
                }}
              />
            </div>
          )}
        </article>
      )}
    </Loaded>
  );
}

function EditTemplate() {
  const { templateId = "" } = useParams();
  const template = useTemplate(templateId);
  const navigate = useNavigate();
  return (
    <Loaded query={template}>
      {(t) => (
        <>
          <PageTitle>Edit template {t.name}</PageTitle>
          <TemplateForm
            initial={{
              name: t.name,
              description: t.description,
              channel_type: t.channel_type,
              events: t.events,
              severities: t.severities,
              categories: t.categories,
              subject: t.subject,
              body: t.body,
              body_html: t.body_html ?? null,
            }}
            templateId={t.id}
            onSaved={(saved) => navigate(`/dashboard/templates/${saved.id}`)}
          />
        </>
      )}
    </Loaded>
  );
}

function NewTemplate() {
  const navigate = useNavigate();
  return (
    <>
      <PageTitle>New template</PageTitle>
      <TemplateForm initial={EMPTY_TEMPLATE} onSaved={(saved) => navigate(`/dashboard/templates/${saved.id}`)} />
    </>
  );
}

export default function TemplatesPage({ session }: { session: SessionOut }) {
  const admin = canConfigure(session);
  return (
    <section aria-labelledby="page-title">
      <Routes>
        <Route index element={<TemplateList session={session} />} />
        {admin && <Route path="new" element={<NewTemplate />} />}
        <Route path=":templateId" element={<TemplateDetail session={session} />} />
        {admin && <Route path=":templateId/edit" element={<EditTemplate />} />}
        <Route path="*" element={<p className={MUTED}>No such page.</p>} />
      </Routes>
    </section>
  );
}
