// A typed call of the cooperation records API with nothing but fetch() and the generated types.
// `make sdk` generates the types and type-checks this file with `tsc --noEmit`.
import type { components, operations } from "cooperation-api";

type TradeFigure = components["schemas"]["TradeFigure"];
type ApiError = components["schemas"]["Error"];
type TradeFigureQuery = NonNullable<operations["trade_figures_list"]["parameters"]["query"]>;
type TradeFigurePage = operations["trade_figures_list"]["responses"][200]["content"]["application/json"];

export async function listTradeFigures(baseUrl: string, query: TradeFigureQuery): Promise<TradeFigure[]> {
  const params = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
  const response = await fetch(`${baseUrl}/api/v1/trade-figures/?${params}`);
  if (!response.ok) {
    const error = (await response.json()) as ApiError;
    throw new Error(`${error.status} ${error.code}: ${error.detail}`);
  }
  const page = (await response.json()) as TradeFigurePage;
  return page.results;
}

// The founding article's Kazakhstan-Hungary trade in 2024: value is a decimal string, never a float.
export async function main(): Promise<void> {
  const figures = await listTradeFigures("http://127.0.0.1:8000", { pair: "KZ,HU", year: 2024 });
  for (const figure of figures) {
    const value: string = figure.value;
    console.log(figure.period_label, figure.flow, value, figure.currency, figure.qualifier);
  }
}
