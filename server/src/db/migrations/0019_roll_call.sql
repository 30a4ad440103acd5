CREATE TABLE "roll_call_marks" (
	"roll_call_id" uuid NOT NULL,
	"order_id" uuid NOT NULL,
	"marked_at" timestamp with time zone NOT NULL,
	"marked_by_type" text NOT NULL,
	"marked_by_id" text NOT NULL,
	CONSTRAINT "roll_call_marks_roll_call_id_order_id_pk" PRIMARY KEY("roll_call_id","order_id")
);
--> statement-breakpoint
CREATE TABLE "roll_calls" (
	"id" uuid PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"started_by_type" text NOT NULL,
	"started_by_id" text NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by_type" text,
	"ended_by_id" text
);
--> statement-breakpoint
ALTER TABLE "roll_call_marks" ADD CONSTRAINT "roll_call_marks_roll_call_id_roll_calls_id_fk" FOREIGN KEY ("roll_call_id") REFERENCES "public"."roll_calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roll_call_marks" ADD CONSTRAINT "roll_call_marks_order_id_visit_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."visit_orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "roll_calls_one_open" ON "roll_calls" USING btree ((true)) WHERE "roll_calls"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "roll_calls_started" ON "roll_calls" USING btree ("started_at");