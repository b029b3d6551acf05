using Platform.Worker.Data;
using Platform.Worker.Features.Diagnostics;
using Platform.Worker.Messaging;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNpgsqlDbContext<WorkerDbContext>("postgres");
builder.AddS3BucketClient("storage");
builder.AddSqsQueueClient("messaging");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddScoped<IMessageHandler, PingHandler>();
builder.Services.AddHostedService<QueueConsumer>();

var app = builder.Build();

// The Worker serves no traffic: only the health endpoints the AppHost and ECS probe.
app.MapDefaultEndpoints();

app.Run();
